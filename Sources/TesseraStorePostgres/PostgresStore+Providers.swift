import Foundation
import PostgresNIO
import TesseraStore

extension PostgresStore {
    /// The fixed column list of provider-key reads (a constant, never a value).
    static let selectProvider = """
        SELECT id, user_id, provider_name, provider_type, model_name, encrypted_api_key, encrypted_dek,
            key_last_4_chars, is_active, created_at, updated_at FROM providers.user_providers
        """

    /// Inserts a provider key.
    public func createProviderKey(_ key: ProviderKeyRecord) async throws {
        try await self.rows(
            """
            INSERT INTO providers.user_providers (id, user_id, provider_name, provider_type, model_name,
                encrypted_api_key, encrypted_dek, key_last_4_chars, is_active, created_at, updated_at)
            VALUES (\(key.id), \(key.userID), \(key.providerName), \(key.providerType), \(key.modelName),
                \(ByteBuffer(bytes: key.encryptedAPIKey)), \(ByteBuffer(bytes: key.encryptedDEK)),
                \(key.keyLast4Chars), \(key.isActive), \(key.createdAt), \(key.updatedAt))
            """
        )
    }

    /// The user's key for a provider type, or nil.
    public func providerKey(userID: UUID, providerType: String) async throws -> ProviderKeyRecord? {
        try await self.rows(
            "\(unescaped: Self.selectProvider) WHERE user_id = \(userID) AND provider_type = \(providerType)"
        ).first.map(Self.decodeProvider)
    }

    /// The user's key for a provider type, its row locked `FOR UPDATE` until the enclosing transaction ends.
    public func providerKeyForUpdate(userID: UUID, providerType: String) async throws -> ProviderKeyRecord? {
        try await self.rows(
            """
            \(unescaped: Self.selectProvider) WHERE user_id = \(userID) AND provider_type = \(providerType)
            FOR UPDATE
            """
        ).first.map(Self.decodeProvider)
    }

    /// Every provider key of a user.
    public func providerKeys(userID: UUID) async throws -> [ProviderKeyRecord] {
        try await self.rows(
            "\(unescaped: Self.selectProvider) WHERE user_id = \(userID) ORDER BY provider_type"
        ).map(Self.decodeProvider)
    }

    /// Overwrites an existing provider key.
    public func updateProviderKey(_ key: ProviderKeyRecord) async throws {
        let rows = try await self.rows(
            """
            UPDATE providers.user_providers SET provider_name = \(key.providerName),
                provider_type = \(key.providerType), model_name = \(key.modelName),
                encrypted_api_key = \(ByteBuffer(bytes: key.encryptedAPIKey)),
                encrypted_dek = \(ByteBuffer(bytes: key.encryptedDEK)), key_last_4_chars = \(key.keyLast4Chars),
                is_active = \(key.isActive), updated_at = \(key.updatedAt)
            WHERE id = \(key.id) RETURNING id
            """
        )
        guard !rows.isEmpty else { throw StoreError(.notFound, "no such provider key") }
    }

    /// Deletes a provider key.
    public func deleteProviderKey(id: UUID) async throws -> Bool {
        try await !self.rows("DELETE FROM providers.user_providers WHERE id = \(id) RETURNING id").isEmpty
    }

    static func decodeProvider(_ row: PostgresRow) throws -> ProviderKeyRecord {
        try Self.decoding {
            let (id, userID, name, type, model, apiKey, dek, last4, active, createdAt, updatedAt) = try row.decode(
                (UUID, UUID, String, String, String?, ByteBuffer, ByteBuffer, String, Bool, Date, Date).self
            )
            return ProviderKeyRecord(
                id: id, userID: userID, providerName: name, providerType: type, modelName: model,
                encryptedAPIKey: Array(apiKey.readableBytesView), encryptedDEK: Array(dek.readableBytesView),
                keyLast4Chars: last4, isActive: active, createdAt: createdAt, updatedAt: updatedAt
            )
        }
    }
}
