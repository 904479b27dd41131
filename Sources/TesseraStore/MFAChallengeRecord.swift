import Foundation

/// A row of `auth.mfa_challenges`: a password accepted for an account with a second factor, waiting for it.
///
/// The challenge token is stored as its SHA-256 only. It is consumed once, before `expiresAt`, and refused after
/// the configured number of failed attempts.
public struct MFAChallengeRecord: Sendable, Hashable {
    /// The row's id.
    public var id: UUID
    /// The user whose password was accepted.
    public var userID: UUID
    /// The challenge token's SHA-256.
    public var challengeHash: [UInt8]
    /// The device description given with the password, carried over to the session.
    public var deviceInfo: [String: String]
    /// When the password was accepted.
    public var createdAt: Date
    /// When the challenge stops being accepted.
    public var expiresAt: Date
    /// Wrong second-factor codes presented with it so far.
    public var failedAttempts: Int
    /// When it was used up, if it was.
    public var consumedAt: Date?

    /// Creates a challenge value.
    /// - Parameters:
    ///   - id: The row's id.
    ///   - userID: The user.
    ///   - challengeHash: The token's SHA-256.
    ///   - deviceInfo: The device description.
    ///   - createdAt: Creation time.
    ///   - expiresAt: Expiry.
    ///   - failedAttempts: Wrong codes so far.
    ///   - consumedAt: Consumption time.
    public init(
        id: UUID = UUID(),
        userID: UUID,
        challengeHash: [UInt8],
        deviceInfo: [String: String] = [:],
        createdAt: Date,
        expiresAt: Date,
        failedAttempts: Int = 0,
        consumedAt: Date? = nil
    ) {
        self.id = id
        self.userID = userID
        self.challengeHash = challengeHash
        self.deviceInfo = deviceInfo
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.failedAttempts = failedAttempts
        self.consumedAt = consumedAt
    }
}
