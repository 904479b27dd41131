import Foundation

/// A user's sealed TOTP secret (`auth.users.totp_secret`, a full envelope) as a keyring rewrap sees it: the user it
/// belongs to (part of its encryption context) and the sealed bytes.
public struct SealedTOTPSecretReference: Sendable, Hashable {
    /// The user (scans page by it).
    public var userID: UUID
    /// The sealed secret, exactly as stored.
    public var sealed: [UInt8]

    /// Creates a reference.
    /// - Parameters:
    ///   - userID: The user.
    ///   - sealed: The sealed secret.
    public init(userID: UUID, sealed: [UInt8]) {
        self.userID = userID
        self.sealed = sealed
    }
}
