import Foundation
import PostgresNIO
import TesseraStore

extension PostgresStore {
    /// A page of users' sealed TOTP secrets selected by their leading bytes, in user id order.
    public func sealedTOTPSecrets(_ filter: ProviderDEKFilter, after afterID: UUID?, limit: Int) async throws
        -> [SealedTOTPSecretReference]
    {
        let prefix = ByteBuffer(bytes: filter.prefix)
        let length = Int32(filter.prefix.count)
        // The nil UUID sorts before every other, so "from the start" and "after an id" are one query.
        let after = afterID ?? UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        let rows = try await self.rows(
            """
            SELECT id, totp_secret FROM auth.users
            WHERE totp_secret IS NOT NULL AND (substring(totp_secret from 1 for \(length)) = \(prefix)) = \(filter.matches)
            AND id > \(after) ORDER BY id LIMIT \(limit)
            """
        )
        return try rows.map { row in
            try Self.decoding {
                let (id, sealed) = try row.decode((UUID, ByteBuffer).self)
                return SealedTOTPSecretReference(userID: id, sealed: Array(sealed.readableBytesView))
            }
        }
    }

    /// Counts users' sealed TOTP secrets selected by their leading bytes.
    public func countSealedTOTPSecrets(_ filter: ProviderDEKFilter) async throws -> Int64 {
        let prefix = ByteBuffer(bytes: filter.prefix)
        let length = Int32(filter.prefix.count)
        let rows = try await self.rows(
            """
            SELECT count(*) FROM auth.users
            WHERE totp_secret IS NOT NULL AND (substring(totp_secret from 1 for \(length)) = \(prefix)) = \(filter.matches)
            """
        )
        guard let row = rows.first else { return 0 }
        return try Self.decoding { try row.decode(Int64.self) }
    }

    /// Compare-and-swap of one user's `totp_secret`.
    public func replaceSealedTOTPSecret(userID: UUID, expected: [UInt8], replacement: [UInt8]) async throws -> Bool {
        let changed = try await self.rows(
            """
            UPDATE auth.users SET totp_secret = \(ByteBuffer(bytes: replacement))
            WHERE id = \(userID) AND totp_secret = \(ByteBuffer(bytes: expected)) RETURNING id
            """
        )
        return !changed.isEmpty
    }

    /// A batch of compare-and-swaps of `totp_secret` in one UPDATE over the arrays of the batch.
    public func replaceSealedTOTPSecrets(_ swaps: [KeyringSwap]) async throws -> Int {
        guard !swaps.isEmpty else { return 0 }
        let ids = swaps.map(\.id)
        let expected = swaps.map { ByteBuffer(bytes: $0.expected) }
        let replacements = swaps.map { ByteBuffer(bytes: $0.replacement) }
        let rows = try await self.rows(
            """
            WITH batch AS (
                SELECT * FROM unnest(\(ids)::uuid[], \(expected)::bytea[], \(replacements)::bytea[])
                    AS b(id, expected, replacement)
            )
            UPDATE auth.users u SET totp_secret = batch.replacement FROM batch
            WHERE u.id = batch.id AND u.totp_secret = batch.expected
            RETURNING u.id
            """
        )
        return rows.count
    }
}
