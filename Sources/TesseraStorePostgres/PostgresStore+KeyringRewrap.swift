import Foundation
import PostgresNIO
import TesseraStore

extension PostgresStore {
    /// A page of provider keys selected by the leading bytes of `encrypted_dek`, in id order.
    public func providerDEKs(_ filter: ProviderDEKFilter, after afterID: UUID?, limit: Int) async throws
        -> [ProviderDEKReference]
    {
        let prefix = ByteBuffer(bytes: filter.prefix)
        let length = Int32(filter.prefix.count)
        let rows: [PostgresRow]
        switch (filter.matches, afterID) {
        case (true, nil):
            rows = try await self.rows(
                """
                SELECT id, user_id, provider_type, encrypted_dek FROM providers.user_providers
                WHERE substring(encrypted_dek from 1 for \(length)) = \(prefix) ORDER BY id LIMIT \(limit)
                """
            )
        case (true, let after?):
            rows = try await self.rows(
                """
                SELECT id, user_id, provider_type, encrypted_dek FROM providers.user_providers
                WHERE substring(encrypted_dek from 1 for \(length)) = \(prefix) AND id > \(after)
                ORDER BY id LIMIT \(limit)
                """
            )
        case (false, nil):
            rows = try await self.rows(
                """
                SELECT id, user_id, provider_type, encrypted_dek FROM providers.user_providers
                WHERE substring(encrypted_dek from 1 for \(length)) <> \(prefix) ORDER BY id LIMIT \(limit)
                """
            )
        case (false, let after?):
            rows = try await self.rows(
                """
                SELECT id, user_id, provider_type, encrypted_dek FROM providers.user_providers
                WHERE substring(encrypted_dek from 1 for \(length)) <> \(prefix) AND id > \(after)
                ORDER BY id LIMIT \(limit)
                """
            )
        }
        return try rows.map { row in
            try Self.decoding {
                let (id, userID, type, dek) = try row.decode((UUID, UUID, String, ByteBuffer).self)
                return ProviderDEKReference(
                    id: id, userID: userID, providerType: type, encryptedDEK: Array(dek.readableBytesView)
                )
            }
        }
    }

    /// Counts provider keys selected by the leading bytes of `encrypted_dek`.
    public func countProviderDEKs(_ filter: ProviderDEKFilter) async throws -> Int64 {
        let prefix = ByteBuffer(bytes: filter.prefix)
        let length = Int32(filter.prefix.count)
        let rows: [PostgresRow]
        if filter.matches {
            rows = try await self.rows(
                """
                SELECT count(*) FROM providers.user_providers
                WHERE substring(encrypted_dek from 1 for \(length)) = \(prefix)
                """
            )
        } else {
            rows = try await self.rows(
                """
                SELECT count(*) FROM providers.user_providers
                WHERE substring(encrypted_dek from 1 for \(length)) <> \(prefix)
                """
            )
        }
        guard let row = rows.first else { return 0 }
        return try Self.decoding { try row.decode(Int64.self) }
    }

    /// Compare-and-swap of one `encrypted_dek`, moving one count between versions in the same transaction.
    public func replaceProviderDEK(
        id: UUID,
        expected: [UInt8],
        replacement: [UInt8],
        fromVersion: Int,
        toVersion: Int
    ) async throws -> Bool {
        try await self.withTransaction { transaction in
            let changed = try await transaction.rows(
                """
                UPDATE providers.user_providers SET encrypted_dek = \(ByteBuffer(bytes: replacement))
                WHERE id = \(id) AND encrypted_dek = \(ByteBuffer(bytes: expected)) RETURNING id
                """
            )
            guard !changed.isEmpty else { return false }
            if fromVersion != toVersion {
                try await transaction.rows(
                    """
                    UPDATE tessera.keyring_versions SET dek_count = GREATEST(dek_count - 1, 0)
                    WHERE version = \(fromVersion)
                    """
                )
                try await transaction.rows(
                    "UPDATE tessera.keyring_versions SET dek_count = dek_count + 1 WHERE version = \(toVersion)"
                )
            }
            return true
        }
    }

    /// A batch of compare-and-swaps in one UPDATE over the arrays of the batch (one round trip for the rows, one per
    /// source version for the counts), in one transaction.
    public func replaceProviderDEKs(_ swaps: [KeyringSwap], toVersion: Int) async throws -> Int {
        guard !swaps.isEmpty else { return 0 }
        let ids = swaps.map(\.id)
        let expected = swaps.map { ByteBuffer(bytes: $0.expected) }
        let replacements = swaps.map { ByteBuffer(bytes: $0.replacement) }
        let versions = swaps.map { Int32(truncatingIfNeeded: $0.fromVersion) }
        return try await self.withTransaction { transaction in
            let rows = try await transaction.rows(
                """
                WITH batch AS (
                    SELECT * FROM unnest(\(ids)::uuid[], \(expected)::bytea[], \(replacements)::bytea[],
                        \(versions)::integer[]) AS b(id, expected, replacement, from_version)
                ), changed AS (
                    UPDATE providers.user_providers p SET encrypted_dek = batch.replacement FROM batch
                    WHERE p.id = batch.id AND p.encrypted_dek = batch.expected
                    RETURNING batch.from_version
                )
                SELECT from_version, count(*) FROM changed GROUP BY from_version
                """
            )
            var changed = 0
            for row in rows {
                let (from, count) = try Self.decoding { try row.decode((Int32, Int64).self) }
                changed += Int(count)
                guard Int(from) != toVersion else { continue }
                try await transaction.rows(
                    """
                    UPDATE tessera.keyring_versions SET dek_count = GREATEST(dek_count - \(count), 0)
                    WHERE version = \(Int(from))
                    """
                )
                try await transaction.rows(
                    "UPDATE tessera.keyring_versions SET dek_count = dek_count + \(count) WHERE version = \(toVersion)"
                )
            }
            return changed
        }
    }
}
