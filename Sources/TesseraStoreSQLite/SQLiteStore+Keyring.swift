import Foundation
import SQLiteNIO
import TesseraStore

extension SQLiteStore {
    /// Inserts a master key version in one `BEGIN IMMEDIATE` transaction.
    public func insertMasterKeyVersion(_ record: MasterKeyVersionRecord) async throws {
        try await self.withTransaction { store in
            _ = try await store.unlockedRows("UPDATE tessera_keyring_head SET revision = revision + 1 WHERE id = 1", [])
            if record.state == .active {
                _ = try await store.unlockedRows(
                    "UPDATE tessera_keyring_versions SET state = 'decrypt_only' WHERE state = 'active'",
                    []
                )
            }
            _ = try await store.unlockedRows(
                """
                INSERT INTO tessera_keyring_versions (version, wrapped_key, state, created_at, dek_count)
                VALUES (?, ?, ?, ?, ?)
                """,
                [
                    SQLiteBind.int(record.version), SQLiteBind.bytes(record.wrappedKey),
                    SQLiteBind.text(record.state.rawValue), SQLiteBind.date(record.createdAt),
                    SQLiteBind.int64(record.dekCount),
                ]
            )
        }
    }

    /// Every master key version, in version order.
    public func masterKeyVersions() async throws -> [MasterKeyVersionRecord] {
        try await self.rows(
            """
            SELECT version, wrapped_key, state, created_at, dek_count, wrap_count FROM tessera_keyring_versions
            ORDER BY version
            """,
            []
        ).map { row in
            guard let state = MasterKeyState(rawValue: try row.string("state")) else {
                throw StoreError(.backend, "a stored key state is unknown")
            }
            return MasterKeyVersionRecord(
                version: try row.int("version"), wrappedKey: try row.bytes("wrapped_key"), state: state,
                createdAt: try row.date("created_at"), dekCount: Int64(try row.int("dek_count")),
                wrapCount: Int64(try row.int("wrap_count"))
            )
        }
    }

    /// Changes a version's state in one transaction.
    public func setMasterKeyState(version: Int, state: MasterKeyState) async throws {
        try await self.withTransaction { store in
            _ = try await store.unlockedRows("UPDATE tessera_keyring_head SET revision = revision + 1 WHERE id = 1", [])
            let rows = try await store.unlockedRows(
                "SELECT dek_count FROM tessera_keyring_versions WHERE version = ?",
                [SQLiteBind.int(version)]
            )
            guard let row = rows.first else { throw StoreError(.notFound, "no such master key version") }
            let dekCount = try row.int("dek_count")
            if state == .retired && dekCount > 0 {
                throw StoreError(.invalidValue, "the master key version still wraps data keys")
            }
            if state == .active {
                _ = try await store.unlockedRows(
                    """
                    UPDATE tessera_keyring_versions SET state = 'decrypt_only' WHERE state = 'active' AND version <> ?
                    """,
                    [SQLiteBind.int(version)]
                )
            }
            _ = try await store.unlockedRows(
                "UPDATE tessera_keyring_versions SET state = ? WHERE version = ?",
                [SQLiteBind.text(state.rawValue), SQLiteBind.int(version)]
            )
        }
    }

    /// Adjusts a version's data-key count with one conditional UPDATE (a retired version gains none).
    public func adjustDEKCount(version: Int, delta: Int64) async throws -> Int64 {
        try await self.withTransaction { store in
            let rows = try await store.unlockedRows(
                """
                UPDATE tessera_keyring_versions SET dek_count = dek_count + ?
                WHERE version = ? AND (state <> 'retired' OR ? <= 0)
                RETURNING dek_count
                """,
                [SQLiteBind.int64(delta), SQLiteBind.int(version), SQLiteBind.int64(delta)]
            )
            if let row = rows.first {
                return Int64(try row.int("dek_count"))
            }
            let exists = try await store.unlockedRows(
                "SELECT 1 AS found FROM tessera_keyring_versions WHERE version = ?",
                [SQLiteBind.int(version)]
            )
            guard !exists.isEmpty else { throw StoreError(.notFound, "no such master key version") }
            throw StoreError(.invalidValue, "a retired master key version wraps no new data keys")
        }
    }

    /// The keyring revision (one single-row read).
    public func keyringRevision() async throws -> Int64 {
        guard let row = try await self.rows("SELECT revision FROM tessera_keyring_head WHERE id = 1", []).first else {
            throw StoreError(.backend, "the keyring head row is missing")
        }
        return Int64(try row.int("revision"))
    }

    /// Adds each version's new encryptions in one transaction.
    public func addWrapCounts(_ counts: [Int: Int64]) async throws {
        let nonZero = counts.filter { $0.value > 0 }.sorted { $0.key < $1.key }
        guard !nonZero.isEmpty else { return }
        try await self.withTransaction { store in
            for (version, count) in nonZero {
                _ = try await store.unlockedRows(
                    "UPDATE tessera_keyring_versions SET wrap_count = wrap_count + ? WHERE version = ?",
                    [SQLiteBind.int64(count), SQLiteBind.int(version)]
                )
            }
        }
    }
}
