import Foundation
import SQLiteNIO
import TesseraStore

extension SQLiteStore {
    /// A page of users' sealed TOTP secrets selected by their leading bytes, in user id order.
    public func sealedTOTPSecrets(_ filter: ProviderDEKFilter, after afterID: UUID?, limit: Int) async throws
        -> [SealedTOTPSecretReference]
    {
        var sql = """
            SELECT id, totp_secret FROM auth_users
            WHERE totp_secret IS NOT NULL AND (substr(totp_secret, 1, ?) = ?) = ?
            """
        var binds = [
            SQLiteBind.int(filter.prefix.count), SQLiteBind.bytes(filter.prefix),
            SQLiteBind.int(filter.matches ? 1 : 0),
        ]
        if let afterID {
            sql += " AND id > ?"
            binds.append(SQLiteBind.uuid(afterID))
        }
        sql += " ORDER BY id LIMIT ?"
        binds.append(SQLiteBind.int(limit))
        return try await self.rows(sql, binds).map { row in
            SealedTOTPSecretReference(userID: try row.uuid("id"), sealed: try row.bytes("totp_secret"))
        }
    }

    /// Counts users' sealed TOTP secrets selected by their leading bytes.
    public func countSealedTOTPSecrets(_ filter: ProviderDEKFilter) async throws -> Int64 {
        let rows = try await self.rows(
            """
            SELECT count(*) AS n FROM auth_users
            WHERE totp_secret IS NOT NULL AND (substr(totp_secret, 1, ?) = ?) = ?
            """,
            [
                SQLiteBind.int(filter.prefix.count), SQLiteBind.bytes(filter.prefix),
                SQLiteBind.int(filter.matches ? 1 : 0),
            ]
        )
        guard let row = rows.first else { return 0 }
        return Int64(try row.int("n"))
    }

    /// Compare-and-swap of one user's `totp_secret`.
    public func replaceSealedTOTPSecret(userID: UUID, expected: [UInt8], replacement: [UInt8]) async throws -> Bool {
        let changed = try await self.rows(
            "UPDATE auth_users SET totp_secret = ? WHERE id = ? AND totp_secret = ? RETURNING id",
            [SQLiteBind.bytes(replacement), SQLiteBind.uuid(userID), SQLiteBind.bytes(expected)]
        )
        return !changed.isEmpty
    }

    /// A batch of compare-and-swaps of `totp_secret` in one `BEGIN IMMEDIATE` transaction.
    public func replaceSealedTOTPSecrets(_ swaps: [KeyringSwap]) async throws -> Int {
        guard !swaps.isEmpty else { return 0 }
        return try await self.withTransaction { store in
            var changed = 0
            for swap in swaps {
                let rows = try await store.unlockedRows(
                    "UPDATE auth_users SET totp_secret = ? WHERE id = ? AND totp_secret = ? RETURNING id",
                    [SQLiteBind.bytes(swap.replacement), SQLiteBind.uuid(swap.id), SQLiteBind.bytes(swap.expected)]
                )
                if !rows.isEmpty { changed += 1 }
            }
            return changed
        }
    }
}
