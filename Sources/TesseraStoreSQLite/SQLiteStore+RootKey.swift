import Foundation
import SQLiteNIO
import TesseraStore

extension SQLiteStore {
    /// The root key record (the single row of `tessera_root_key`), or nil before the first root key rotation.
    public func rootKeyRecord() async throws -> RootKeyRecord? {
        let rows = try await self.rows(
            "SELECT fingerprint, wrapped_derivation_base, rotated_at FROM tessera_root_key WHERE id = 1", []
        )
        guard let row = rows.first else { return nil }
        return RootKeyRecord(
            fingerprint: try row.string("fingerprint"),
            wrappedDerivationBase: try row.bytes("wrapped_derivation_base"),
            rotatedAt: try row.date("rotated_at")
        )
    }

    /// Re-wraps every version and writes the record in one `BEGIN IMMEDIATE` transaction.
    public func replaceRootKey(_ change: RootKeyRewrap) async throws -> Bool {
        try await self.withTransaction { store in
            let head = try await store.unlockedRows("SELECT revision FROM tessera_keyring_head WHERE id = 1", [])
            guard let row = head.first else { throw StoreError(.backend, "the keyring head row is missing") }
            guard Int64(try row.int("revision")) == change.expectedRevision else { return false }
            let stored = try await store.unlockedRows("SELECT count(*) AS n FROM tessera_keyring_versions", [])
            guard try stored.first?.int("n") == change.versions.count else {
                throw StoreError(.invalidValue, "the re-wrapped versions are not exactly the stored ones")
            }
            for version in change.versions {
                let updated = try await store.unlockedRows(
                    """
                    UPDATE tessera_keyring_versions SET wrapped_key = ?
                    WHERE version = ? AND wrapped_key = ? RETURNING version
                    """,
                    [
                        SQLiteBind.bytes(version.replacement), SQLiteBind.int(version.version),
                        SQLiteBind.bytes(version.expected),
                    ]
                )
                guard updated.count == 1 else {
                    throw StoreError(.invalidValue, "a master key version changed outside the keyring's transaction")
                }
            }
            _ = try await store.unlockedRows(
                """
                INSERT INTO tessera_root_key (id, fingerprint, wrapped_derivation_base, rotated_at)
                VALUES (1, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET fingerprint = excluded.fingerprint,
                    wrapped_derivation_base = excluded.wrapped_derivation_base, rotated_at = excluded.rotated_at
                """,
                [
                    SQLiteBind.text(change.record.fingerprint), SQLiteBind.bytes(change.record.wrappedDerivationBase),
                    SQLiteBind.date(change.record.rotatedAt),
                ]
            )
            _ = try await store.unlockedRows("UPDATE tessera_keyring_head SET revision = revision + 1 WHERE id = 1", [])
            return true
        }
    }
}
