import Foundation

/// A row of `providers.user_providers`: one user's sealed API key for one provider type.
///
/// `encryptedAPIKey` and `encryptedDEK` are opaque envelope parts; only `keyLast4Chars` is stored in clear, for
/// display.
public struct ProviderKeyRecord: Sendable, Hashable {
    /// The row's id.
    public var id: UUID
    /// The owner.
    public var userID: UUID
    /// A display name for the provider (e.g. "OpenAI").
    public var providerName: String
    /// The provider type (unique per user, e.g. "openai").
    public var providerType: String
    /// The model name, if one is configured.
    public var modelName: String?
    /// The API key sealed under `encryptedDEK`.
    public var encryptedAPIKey: [UInt8]
    /// The data key wrapped by a master key version.
    public var encryptedDEK: [UInt8]
    /// The key's last four characters, for display.
    public var keyLast4Chars: String
    /// Whether this key is in use.
    public var isActive: Bool
    /// When the row was created.
    public var createdAt: Date
    /// When the row was last changed.
    public var updatedAt: Date

    /// Creates a provider key value.
    /// - Parameters:
    ///   - id: The id.
    ///   - userID: The owner.
    ///   - providerName: Display name.
    ///   - providerType: Type, unique per user.
    ///   - modelName: Model name.
    ///   - encryptedAPIKey: The sealed API key.
    ///   - encryptedDEK: The wrapped data key.
    ///   - keyLast4Chars: Last four characters.
    ///   - isActive: Whether active.
    ///   - createdAt: Creation time.
    ///   - updatedAt: Last change; defaults to `createdAt`.
    public init(
        id: UUID = UUID(),
        userID: UUID,
        providerName: String,
        providerType: String,
        modelName: String? = nil,
        encryptedAPIKey: [UInt8],
        encryptedDEK: [UInt8],
        keyLast4Chars: String,
        isActive: Bool = true,
        createdAt: Date,
        updatedAt: Date? = nil
    ) {
        self.id = id
        self.userID = userID
        self.providerName = providerName
        self.providerType = providerType
        self.modelName = modelName
        self.encryptedAPIKey = encryptedAPIKey
        self.encryptedDEK = encryptedDEK
        self.keyLast4Chars = keyLast4Chars
        self.isActive = isActive
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }
}
