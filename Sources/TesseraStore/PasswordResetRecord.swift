import Foundation

/// How a password reset is delivered, and so how it is looked up when consumed.
public enum PasswordResetKind: String, Sendable, Hashable, CaseIterable {
    /// A long opaque token (a link): stored as its SHA-256, looked up by it.
    case link
    /// A short numeric code the end user types: stored as an HMAC over the reset's id and the code, looked up
    /// through the user's one live reset, with a bounded number of attempts.
    case code
}

/// A row of `auth.password_resets`: a one-time reset token (stored hashed) for one user.
public struct PasswordResetRecord: Sendable, Hashable {
    /// The reset's id.
    public var id: UUID
    /// The user whose password may be reset.
    public var userID: UUID
    /// The hash of the reset token (SHA-256 for a link, a keyed HMAC for a code).
    public var tokenHash: [UInt8]
    /// When the token stops being usable.
    public var expiresAt: Date
    /// Whether the token has been consumed.
    public var used: Bool
    /// When it was created.
    public var createdAt: Date
    /// Link token or numeric code.
    public var kind: PasswordResetKind
    /// Wrong codes entered against it (codes only).
    public var failedAttempts: Int
    /// When a newer request, or too many wrong codes, made it unusable, if that happened.
    public var invalidatedAt: Date?

    /// Creates a reset value.
    /// - Parameters:
    ///   - id: The id.
    ///   - userID: The user.
    ///   - tokenHash: The token's hash.
    ///   - expiresAt: Expiry.
    ///   - used: Whether consumed.
    ///   - createdAt: Creation time.
    ///   - kind: Link or code.
    ///   - failedAttempts: Wrong codes so far.
    ///   - invalidatedAt: When it was superseded or locked.
    public init(
        id: UUID = UUID(),
        userID: UUID,
        tokenHash: [UInt8],
        expiresAt: Date,
        used: Bool = false,
        createdAt: Date,
        kind: PasswordResetKind = .link,
        failedAttempts: Int = 0,
        invalidatedAt: Date? = nil
    ) {
        self.id = id
        self.userID = userID
        self.tokenHash = tokenHash
        self.expiresAt = expiresAt
        self.used = used
        self.createdAt = createdAt
        self.kind = kind
        self.failedAttempts = failedAttempts
        self.invalidatedAt = invalidatedAt
    }

    /// Whether it can still be consumed at `now`.
    public func isLive(at now: Date) -> Bool { !used && invalidatedAt == nil && expiresAt > now }
}
