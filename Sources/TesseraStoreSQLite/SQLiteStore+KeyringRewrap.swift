import Foundation
import SQLiteNIO
import TesseraStore

extension SQLiteStore {
    /// A page of provider keys selected by the leading bytes of `encrypted_dek`, in id order.
    public func providerDEKs(_ filter: ProviderDEKFilter, after afterID: UUID?, limit: Int) async throws
        -> [ProviderDEKReference]
    {
        let comparison = filter.matches ? "=" : "<>"
        var sql = """
            SELECT id, user_id, provider_type, encrypted_dek FROM providers_user_providers
            WHERE substr(encrypted_dek, 1, ?) \(comparison) ?
            """
        var binds = [SQLiteBind.int(filter.prefix.count), SQLiteBind.bytes(filter.prefix)]
        if let afterID {
            sql += " AND id > ?"
            binds.append(SQLiteBind.uuid(afterID))
        }
        sql += " ORDER BY id LIMIT ?"
        binds.append(SQLiteBind.int(limit))
        return try await self.rows(sql, binds).map { row in
            ProviderDEKReference(
                id: try row.uuid("id"), userID: try row.uuid("user_id"),
                providerType: try row.string("provider_type"), encryptedDEK: try row.bytes("encrypted_dek")
            )
        }
    }

    /// Counts provider keys selected by the leading bytes of `encrypted_dek`.
    public func countProviderDEKs(_ filter: ProviderDEKFilter) async throws -> Int64 {
        let comparison = filter.matches ? "=" : "<>"
        let rows = try await self.rows(
            "SELECT count(*) AS n FROM providers_user_providers WHERE substr(encrypted_dek, 1, ?) \(comparison) ?",
            [SQLiteBind.int(filter.prefix.count), SQLiteBind.bytes(filter.prefix)]
        )
        guard let row = rows.first else { return 0 }
        return Int64(try row.int("n"))
    }

    /// Compare-and-swap of one `encrypted_dek`, moving one count between versions in the same transaction.
    public func replaceProviderDEK(
        id: UUID,
        expected: [UInt8],
        replacement: [UInt8],
        fromVersion: Int,
        toVersion: Int
    ) async throws -> Bool {
        try await self.withTransaction { store in
            let changed = try await store.unlockedRows(
                "UPDATE providers_user_providers SET encrypted_dek = ? WHERE id = ? AND encrypted_dek = ? RETURNING id",
                [SQLiteBind.bytes(replacement), SQLiteBind.uuid(id), SQLiteBind.bytes(expected)]
            )
            guard !changed.isEmpty else { return false }
            if fromVersion != toVersion {
                _ = try await store.unlockedRows(
                    "UPDATE tessera_keyring_versions SET dek_count = max(dek_count - 1, 0) WHERE version = ?",
                    [SQLiteBind.int(fromVersion)]
                )
                _ = try await store.unlockedRows(
                    "UPDATE tessera_keyring_versions SET dek_count = dek_count + 1 WHERE version = ?",
                    [SQLiteBind.int(toVersion)]
                )
            }
            return true
        }
    }

    /// A batch of compare-and-swaps in one `BEGIN IMMEDIATE` transaction (one prepared UPDATE per row: SQLite
    /// runs them in process, without a round trip each), then one count move per source version.
    public func replaceProviderDEKs(_ swaps: [KeyringSwap], toVersion: Int) async throws -> Int {
        guard !swaps.isEmpty else { return 0 }
        return try await self.withTransaction { store in
            var moved: [Int: Int64] = [:]
            var changed = 0
            for swap in swaps {
                let rows = try await store.unlockedRows(
                    "UPDATE providers_user_providers SET encrypted_dek = ? WHERE id = ? AND encrypted_dek = ? RETURNING id",
                    [SQLiteBind.bytes(swap.replacement), SQLiteBind.uuid(swap.id), SQLiteBind.bytes(swap.expected)]
                )
                guard !rows.isEmpty else { continue }
                changed += 1
                if swap.fromVersion != toVersion { moved[swap.fromVersion, default: 0] += 1 }
            }
            let total = moved.values.reduce(0, +)
            for (version, count) in moved.sorted(by: { $0.key < $1.key }) {
                _ = try await store.unlockedRows(
                    "UPDATE tessera_keyring_versions SET dek_count = max(dek_count - ?, 0) WHERE version = ?",
                    [SQLiteBind.int64(count), SQLiteBind.int(version)]
                )
            }
            if total > 0 {
                _ = try await store.unlockedRows(
                    "UPDATE tessera_keyring_versions SET dek_count = dek_count + ? WHERE version = ?",
                    [SQLiteBind.int64(total), SQLiteBind.int(toVersion)]
                )
            }
            return changed
        }
    }
}
