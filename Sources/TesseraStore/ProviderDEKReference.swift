import Foundation

/// The parts of a `providers.user_providers` row a keyring rewrap needs: the row, what its encryption context is made
/// of, and its wrapped data key. Never the sealed API key itself.
public struct ProviderDEKReference: Sendable, Hashable {
    /// The row's id (scans page by it).
    public var id: UUID
    /// The owner, part of the encryption context.
    public var userID: UUID
    /// The provider type, part of the encryption context.
    public var providerType: String
    /// The wrapped data key (`encrypted_dek`).
    public var encryptedDEK: [UInt8]

    /// Creates a reference.
    /// - Parameters:
    ///   - id: The row id.
    ///   - userID: The owner.
    ///   - providerType: The provider type.
    ///   - encryptedDEK: The wrapped data key.
    public init(id: UUID, userID: UUID, providerType: String, encryptedDEK: [UInt8]) {
        self.id = id
        self.userID = userID
        self.providerType = providerType
        self.encryptedDEK = encryptedDEK
    }
}
