import Foundation
import SQLiteNIO
import TesseraStore

extension SQLiteStore {
    static let selectProvider = """
        SELECT id, user_id, provider_name, provider_type, model_name, encrypted_api_key, encrypted_dek,
            key_last_4_chars, is_active, created_at, updated_at FROM providers_user_providers
        """

    /// Inserts a provider key.
    public func createProviderKey(_ key: ProviderKeyRecord) async throws {
        _ = try await self.rows(
            """
            INSERT INTO providers_user_providers (id, user_id, provider_name, provider_type, model_name,
                encrypted_api_key, encrypted_dek, key_last_4_chars, is_active, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                SQLiteBind.uuid(key.id), SQLiteBind.uuid(key.userID), SQLiteBind.text(key.providerName),
                SQLiteBind.text(key.providerType), SQLiteBind.text(key.modelName),
                SQLiteBind.bytes(key.encryptedAPIKey),
                SQLiteBind.bytes(key.encryptedDEK), SQLiteBind.text(key.keyLast4Chars), SQLiteBind.bool(key.isActive),
                SQLiteBind.date(key.createdAt), SQLiteBind.date(key.updatedAt),
            ]
        )
    }

    /// The user's key for a provider type, or nil.
    public func providerKey(userID: UUID, providerType: String) async throws -> ProviderKeyRecord? {
        try await self.rows(
            Self.selectProvider + " WHERE user_id = ? AND provider_type = ?",
            [SQLiteBind.uuid(userID), SQLiteBind.text(providerType)]
        ).first.map(Self.decodeProvider)
    }

    /// The user's key for a provider type (inside a transaction, `BEGIN IMMEDIATE` already excludes every other
    /// writer).
    public func providerKeyForUpdate(userID: UUID, providerType: String) async throws -> ProviderKeyRecord? {
        try await self.providerKey(userID: userID, providerType: providerType)
    }

    /// Every provider key of a user.
    public func providerKeys(userID: UUID) async throws -> [ProviderKeyRecord] {
        try await self.rows(
            Self.selectProvider + " WHERE user_id = ? ORDER BY provider_type",
            [SQLiteBind.uuid(userID)]
        ).map(Self.decodeProvider)
    }

    /// Overwrites an existing provider key.
    public func updateProviderKey(_ key: ProviderKeyRecord) async throws {
        let rows = try await self.rows(
            """
            UPDATE providers_user_providers SET provider_name = ?, provider_type = ?, model_name = ?,
                encrypted_api_key = ?, encrypted_dek = ?, key_last_4_chars = ?, is_active = ?, updated_at = ?
            WHERE id = ? RETURNING id
            """,
            [
                SQLiteBind.text(key.providerName), SQLiteBind.text(key.providerType), SQLiteBind.text(key.modelName),
                SQLiteBind.bytes(key.encryptedAPIKey), SQLiteBind.bytes(key.encryptedDEK),
                SQLiteBind.text(key.keyLast4Chars), SQLiteBind.bool(key.isActive), SQLiteBind.date(key.updatedAt),
                SQLiteBind.uuid(key.id),
            ]
        )
        guard !rows.isEmpty else { throw StoreError(.notFound, "no such provider key") }
    }

    /// Deletes a provider key.
    public func deleteProviderKey(id: UUID) async throws -> Bool {
        try await !self.rows(
            "DELETE FROM providers_user_providers WHERE id = ? RETURNING id",
            [SQLiteBind.uuid(id)]
        ).isEmpty
    }

    static func decodeProvider(_ row: SQLiteRowReader) throws -> ProviderKeyRecord {
        ProviderKeyRecord(
            id: try row.uuid("id"), userID: try row.uuid("user_id"), providerName: try row.string("provider_name"),
            providerType: try row.string("provider_type"), modelName: try row.optionalString("model_name"),
            encryptedAPIKey: try row.bytes("encrypted_api_key"), encryptedDEK: try row.bytes("encrypted_dek"),
            keyLast4Chars: try row.string("key_last_4_chars"), isActive: try row.bool("is_active"),
            createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at")
        )
    }
}
