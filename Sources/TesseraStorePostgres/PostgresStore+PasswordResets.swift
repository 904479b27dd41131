import Foundation
import PostgresNIO
import TesseraStore

extension PostgresStore {
    /// The fixed column list of reset reads (a constant, never a value).
    static let selectReset = "SELECT id, user_id, token_hash, expires_at, used, created_at FROM auth.password_resets"

    /// Inserts a password reset.
    public func createPasswordReset(_ reset: PasswordResetRecord) async throws {
        try await self.rows(
            """
            INSERT INTO auth.password_resets (id, user_id, token_hash, expires_at, used, created_at)
            VALUES (\(reset.id), \(reset.userID), \(ByteBuffer(bytes: reset.tokenHash)), \(reset.expiresAt),
                \(reset.used), \(reset.createdAt))
            """
        )
    }

    /// The reset with this token hash, or nil.
    public func passwordReset(tokenHash: [UInt8]) async throws -> PasswordResetRecord? {
        try await self.rows(
            "\(unescaped: Self.selectReset) WHERE token_hash = \(ByteBuffer(bytes: tokenHash))"
        ).first.map(Self.decodeReset)
    }

    /// Consumes a reset token with one conditional UPDATE: only the caller whose update flips `used` wins.
    public func consumePasswordReset(tokenHash: [UInt8], now: Date) async throws -> PasswordResetConsumption {
        let hash = ByteBuffer(bytes: tokenHash)
        let updated = try await self.rows(
            """
            UPDATE auth.password_resets SET used = true
            WHERE token_hash = \(hash) AND used = false AND expires_at > \(now)
            RETURNING id, user_id, token_hash, expires_at, used, created_at
            """
        )
        if let row = updated.first {
            return .consumed(try Self.decodeReset(row))
        }
        guard let current = try await self.passwordReset(tokenHash: tokenHash) else { return .notFound }
        if current.used { return .alreadyUsed }
        return .expired
    }

    /// Deletes up to `limit` expired resets, skipping rows another transaction holds.
    public func deleteExpiredPasswordResets(before cutoff: Date, limit: Int) async throws -> Int {
        guard limit >= 1 else { throw StoreError(.invalidValue, "the batch limit must be at least 1") }
        return try await self.rows(
            """
            DELETE FROM auth.password_resets WHERE id IN (
                SELECT id FROM auth.password_resets WHERE expires_at < \(cutoff) LIMIT \(limit) FOR UPDATE SKIP LOCKED
            ) RETURNING id
            """
        ).count
    }

    static func decodeReset(_ row: PostgresRow) throws -> PasswordResetRecord {
        try Self.decoding {
            let (id, userID, hash, expiresAt, used, createdAt) = try row.decode(
                (UUID, UUID, ByteBuffer, Date, Bool, Date).self
            )
            return PasswordResetRecord(
                id: id, userID: userID, tokenHash: Array(hash.readableBytesView), expiresAt: expiresAt, used: used,
                createdAt: createdAt
            )
        }
    }
}
