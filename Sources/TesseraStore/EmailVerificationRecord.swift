import Foundation

/// A row of `auth.email_verifications`: a one-time token (stored as its SHA-256) proving that the holder reads the
/// mail of `email`, the user's address when it was issued.
public struct EmailVerificationRecord: Sendable, Hashable {
    /// The row's id.
    public var id: UUID
    /// The user whose address it verifies.
    public var userID: UUID
    /// The address it was sent to: confirming verifies the account only while it still has this address.
    public var email: String
    /// The token's hash.
    public var tokenHash: [UInt8]
    /// When it was issued.
    public var createdAt: Date
    /// When it stops being usable.
    public var expiresAt: Date
    /// When it was consumed, if it was.
    public var consumedAt: Date?

    /// Creates a verification value.
    /// - Parameters:
    ///   - id: The id.
    ///   - userID: The user.
    ///   - email: The address it was sent to.
    ///   - tokenHash: The token's hash.
    ///   - createdAt: Issue time.
    ///   - expiresAt: Expiry.
    ///   - consumedAt: Consumption time.
    public init(
        id: UUID = UUID(),
        userID: UUID,
        email: String,
        tokenHash: [UInt8],
        createdAt: Date,
        expiresAt: Date,
        consumedAt: Date? = nil
    ) {
        self.id = id
        self.userID = userID
        self.email = email
        self.tokenHash = tokenHash
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.consumedAt = consumedAt
    }
}

/// The result of ``EmailVerificationStore/consumeEmailVerification(tokenHash:now:)``.
public enum EmailVerificationConsumption: Sendable, Hashable {
    /// This call consumed the token; the value is the row (now consumed).
    case consumed(EmailVerificationRecord)
    /// The token was already consumed.
    case alreadyUsed
    /// The token has expired.
    case expired
    /// No verification has this token hash.
    case notFound
}
