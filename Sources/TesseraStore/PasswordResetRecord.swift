import Foundation

/// A row of `auth.password_resets`: a one-time reset token (stored hashed) for one user.
public struct PasswordResetRecord: Sendable, Hashable {
    /// The reset's id.
    public var id: UUID
    /// The user whose password may be reset.
    public var userID: UUID
    /// The hash of the reset token.
    public var tokenHash: [UInt8]
    /// When the token stops being usable.
    public var expiresAt: Date
    /// Whether the token has been consumed.
    public var used: Bool
    /// When it was created.
    public var createdAt: Date

    /// Creates a reset value.
    /// - Parameters:
    ///   - id: The id.
    ///   - userID: The user.
    ///   - tokenHash: The token's hash.
    ///   - expiresAt: Expiry.
    ///   - used: Whether consumed.
    ///   - createdAt: Creation time.
    public init(
        id: UUID = UUID(),
        userID: UUID,
        tokenHash: [UInt8],
        expiresAt: Date,
        used: Bool = false,
        createdAt: Date
    ) {
        self.id = id
        self.userID = userID
        self.tokenHash = tokenHash
        self.expiresAt = expiresAt
        self.used = used
        self.createdAt = createdAt
    }
}
