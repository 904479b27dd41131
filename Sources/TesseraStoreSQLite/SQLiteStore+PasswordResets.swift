import Foundation
import SQLiteNIO
import TesseraStore

extension SQLiteStore {
    static let resetColumns = "id, user_id, token_hash, expires_at, used, created_at"

    /// Inserts a password reset.
    public func createPasswordReset(_ reset: PasswordResetRecord) async throws {
        _ = try await self.rows(
            """
            INSERT INTO auth_password_resets (id, user_id, token_hash, expires_at, used, created_at)
            VALUES (?, ?, ?, ?, ?, ?)
            """,
            [
                SQLiteBind.uuid(reset.id), SQLiteBind.uuid(reset.userID), SQLiteBind.bytes(reset.tokenHash),
                SQLiteBind.date(reset.expiresAt), SQLiteBind.bool(reset.used), SQLiteBind.date(reset.createdAt),
            ]
        )
    }

    /// The reset with this token hash, or nil.
    public func passwordReset(tokenHash: [UInt8]) async throws -> PasswordResetRecord? {
        try await self.rows(
            "SELECT \(Self.resetColumns) FROM auth_password_resets WHERE token_hash = ?",
            [SQLiteBind.bytes(tokenHash)]
        ).first.map(Self.decodeReset)
    }

    /// Consumes a reset token with one conditional UPDATE: only the caller whose update flips `used` wins.
    public func consumePasswordReset(tokenHash: [UInt8], now: Date) async throws -> PasswordResetConsumption {
        let updated = try await self.rows(
            """
            UPDATE auth_password_resets SET used = 1 WHERE token_hash = ? AND used = 0 AND expires_at > ?
            RETURNING \(Self.resetColumns)
            """,
            [SQLiteBind.bytes(tokenHash), SQLiteBind.date(now)]
        )
        if let row = updated.first {
            return .consumed(try Self.decodeReset(row))
        }
        guard let current = try await self.passwordReset(tokenHash: tokenHash) else { return .notFound }
        if current.used { return .alreadyUsed }
        return .expired
    }

    /// Deletes up to `limit` expired resets.
    public func deleteExpiredPasswordResets(before cutoff: Date, limit: Int) async throws -> Int {
        guard limit >= 1 else { throw StoreError(.invalidValue, "the batch limit must be at least 1") }
        return try await self.rows(
            """
            DELETE FROM auth_password_resets WHERE id IN (SELECT id FROM auth_password_resets WHERE expires_at < ? LIMIT ?)
            RETURNING id
            """,
            [SQLiteBind.date(cutoff), SQLiteBind.int(limit)]
        ).count
    }

    static func decodeReset(_ row: SQLiteRowReader) throws -> PasswordResetRecord {
        PasswordResetRecord(
            id: try row.uuid("id"), userID: try row.uuid("user_id"), tokenHash: try row.bytes("token_hash"),
            expiresAt: try row.date("expires_at"), used: try row.bool("used"), createdAt: try row.date("created_at")
        )
    }
}
