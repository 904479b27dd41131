import Foundation
import TesseraStore

/// What may be shown of a stored provider API key: never the key or anything sealed, only its last four
/// characters.
public struct ProviderKeySummary: Sendable, Hashable {
    /// The row's id.
    public let id: UUID
    /// The owner.
    public let userID: UUID
    /// The provider type (unique per user).
    public let providerType: String
    /// The display name (the provider type when none was given).
    public let displayName: String
    /// The model name, if one is configured.
    public let modelName: String?
    /// The key's last four characters, for display.
    public let keyLast4Chars: String
    /// When the key was first stored.
    public let createdAt: Date
    /// When it was last replaced.
    public let updatedAt: Date

    init(_ record: ProviderKeyRecord) {
        self.id = record.id
        self.userID = record.userID
        self.providerType = record.providerType
        self.displayName = record.providerName
        self.modelName = record.modelName
        self.keyLast4Chars = record.keyLast4Chars
        self.createdAt = record.createdAt
        self.updatedAt = record.updatedAt
    }
}

/// What ``ProviderKeys/put(userID:providerType:displayName:modelName:apiKey:caller:)`` did.
public struct ProviderKeyStored: Sendable, Hashable {
    /// The stored key, as it may be shown.
    public let key: ProviderKeySummary
    /// Whether an earlier key of the same provider type was replaced.
    public let replaced: Bool
}
