import Foundation
import PostgresNIO
import TesseraStore

extension PostgresStore {
    /// The root key record (the single row of `tessera.root_key`), or nil before the first root key rotation.
    public func rootKeyRecord() async throws -> RootKeyRecord? {
        let rows = try await self.rows(
            "SELECT fingerprint, wrapped_derivation_base, rotated_at FROM tessera.root_key WHERE id = 1"
        )
        guard let row = rows.first else { return nil }
        return try Self.decoding {
            let (fingerprint, wrapped, rotatedAt) = try row.decode((String, ByteBuffer, Date).self)
            return RootKeyRecord(
                fingerprint: fingerprint, wrappedDerivationBase: Array(wrapped.readableBytesView), rotatedAt: rotatedAt
            )
        }
    }

    /// Re-wraps every version and writes the record under the keyring head's row lock, in one transaction.
    public func replaceRootKey(_ change: RootKeyRewrap) async throws -> Bool {
        try await self.withTransaction { transaction in
            // The head row is every keyring writer's lock: read it FOR UPDATE, then compare.
            let head = try await transaction.rows("SELECT revision FROM tessera.keyring_head WHERE id = 1 FOR UPDATE")
            guard let row = head.first else { throw StoreError(.backend, "the keyring head row is missing") }
            let revision = try Self.decoding { try row.decode(Int64.self) }
            guard revision == change.expectedRevision else { return false }
            let stored = try await transaction.rows("SELECT count(*) FROM tessera.keyring_versions")
            let count = try Self.decoding { try stored.first.map { try $0.decode(Int64.self) } ?? 0 }
            guard count == Int64(change.versions.count) else {
                throw StoreError(.invalidValue, "the re-wrapped versions are not exactly the stored ones")
            }
            for version in change.versions {
                let updated = try await transaction.rows(
                    """
                    UPDATE tessera.keyring_versions SET wrapped_key = \(ByteBuffer(bytes: version.replacement))
                    WHERE version = \(version.version) AND wrapped_key = \(ByteBuffer(bytes: version.expected))
                    RETURNING version
                    """
                )
                guard updated.count == 1 else {
                    throw StoreError(.invalidValue, "a master key version changed outside the keyring head's lock")
                }
            }
            try await transaction.rows(
                """
                INSERT INTO tessera.root_key (id, fingerprint, wrapped_derivation_base, rotated_at)
                VALUES (1, \(change.record.fingerprint), \(ByteBuffer(bytes: change.record.wrappedDerivationBase)),
                    \(change.record.rotatedAt))
                ON CONFLICT (id) DO UPDATE SET fingerprint = excluded.fingerprint,
                    wrapped_derivation_base = excluded.wrapped_derivation_base, rotated_at = excluded.rotated_at
                """
            )
            try await transaction.rows("UPDATE tessera.keyring_head SET revision = revision + 1 WHERE id = 1")
            return true
        }
    }
}
