import Foundation
import PostgresNIO
import TesseraStore

extension PostgresStore {
    /// Inserts a master key version; every keyring write first bumps (and so locks) the single head row, which
    /// serialises keyring writers across processes.
    public func insertMasterKeyVersion(_ record: MasterKeyVersionRecord) async throws {
        try await self.withTransaction { transaction in
            try await transaction.rows("UPDATE tessera.keyring_head SET revision = revision + 1 WHERE id = 1")
            if record.state == .active {
                try await transaction.rows(
                    "UPDATE tessera.keyring_versions SET state = 'decrypt_only' WHERE state = 'active'"
                )
            }
            try await transaction.rows(
                """
                INSERT INTO tessera.keyring_versions (version, wrapped_key, state, created_at, dek_count)
                VALUES (\(record.version), \(ByteBuffer(bytes: record.wrappedKey)), \(record.state.rawValue),
                    \(record.createdAt), \(record.dekCount))
                """
            )
        }
    }

    /// Every master key version, in version order.
    public func masterKeyVersions() async throws -> [MasterKeyVersionRecord] {
        let rows = try await self.rows(
            """
            SELECT version, wrapped_key, state, created_at, dek_count, wrap_count FROM tessera.keyring_versions
            ORDER BY version
            """
        )
        return try rows.map { row in
            try Self.decoding {
                let (version, wrapped, state, createdAt, dekCount, wrapCount) = try row.decode(
                    (Int, ByteBuffer, String, Date, Int64, Int64).self
                )
                guard let state = MasterKeyState(rawValue: state) else {
                    throw StoreError(.backend, "a stored key state is unknown")
                }
                return MasterKeyVersionRecord(
                    version: version, wrappedKey: Array(wrapped.readableBytesView), state: state,
                    createdAt: createdAt, dekCount: dekCount, wrapCount: wrapCount
                )
            }
        }
    }

    /// Changes a version's state under the head-row lock.
    public func setMasterKeyState(version: Int, state: MasterKeyState) async throws {
        try await self.withTransaction { transaction in
            try await transaction.rows("UPDATE tessera.keyring_head SET revision = revision + 1 WHERE id = 1")
            let rows = try await transaction.rows(
                "SELECT dek_count FROM tessera.keyring_versions WHERE version = \(version) FOR UPDATE"
            )
            guard let row = rows.first else { throw StoreError(.notFound, "no such master key version") }
            let dekCount = try Self.decoding { try row.decode(Int64.self) }
            if state == .retired && dekCount > 0 {
                throw StoreError(.invalidValue, "the master key version still wraps data keys")
            }
            if state == .active {
                try await transaction.rows(
                    """
                    UPDATE tessera.keyring_versions SET state = 'decrypt_only'
                    WHERE state = 'active' AND version <> \(version)
                    """
                )
            }
            try await transaction.rows(
                "UPDATE tessera.keyring_versions SET state = \(state.rawValue) WHERE version = \(version)"
            )
        }
    }

    /// Adjusts a version's data-key count with one conditional UPDATE (a retired version gains none).
    public func adjustDEKCount(version: Int, delta: Int64) async throws -> Int64 {
        let rows = try await self.rows(
            """
            UPDATE tessera.keyring_versions SET dek_count = dek_count + \(delta)
            WHERE version = \(version) AND (state <> 'retired' OR \(delta) <= 0)
            RETURNING dek_count
            """
        )
        if let row = rows.first {
            return try Self.decoding { try row.decode(Int64.self) }
        }
        let exists = try await self.rows("SELECT 1 FROM tessera.keyring_versions WHERE version = \(version)")
        guard !exists.isEmpty else { throw StoreError(.notFound, "no such master key version") }
        throw StoreError(.invalidValue, "a retired master key version wraps no new data keys")
    }

    /// The keyring revision (one single-row read).
    public func keyringRevision() async throws -> Int64 {
        let rows = try await self.rows("SELECT revision FROM tessera.keyring_head WHERE id = 1")
        guard let row = rows.first else { throw StoreError(.backend, "the keyring head row is missing") }
        return try Self.decoding { try row.decode(Int64.self) }
    }

    /// Adds each version's new encryptions with one UPDATE per version, in one transaction (versions in order, so
    /// two processes flushing at once lock the rows in the same order).
    public func addWrapCounts(_ counts: [Int: Int64]) async throws {
        let nonZero = counts.filter { $0.value > 0 }.sorted { $0.key < $1.key }
        guard !nonZero.isEmpty else { return }
        try await self.withTransaction { transaction in
            for (version, count) in nonZero {
                try await transaction.rows(
                    "UPDATE tessera.keyring_versions SET wrap_count = wrap_count + \(count) WHERE version = \(version)"
                )
            }
        }
    }
}
