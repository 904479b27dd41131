import Foundation
import SQLiteNIO
import TesseraStore

extension SQLiteStore {
    /// Accepts a time step only if it is later than the last accepted one, in one upsert.
    public func acceptTOTPStep(userID: UUID, step: Int64) async throws -> Bool {
        try await !self.rows(
            """
            INSERT INTO tessera_totp_replay (user_id, last_step) VALUES (?, ?)
            ON CONFLICT (user_id) DO UPDATE SET last_step = excluded.last_step
                WHERE tessera_totp_replay.last_step < excluded.last_step
            RETURNING user_id
            """,
            [SQLiteBind.uuid(userID), SQLiteBind.int64(step)]
        ).isEmpty
    }

    /// Replaces a user's recovery codes in one transaction.
    public func replaceRecoveryCodes(userID: UUID, codeHashes: [[UInt8]], now: Date) async throws {
        try await self.withTransaction { store in
            _ = try await store.unlockedRows(
                "DELETE FROM tessera_recovery_codes WHERE user_id = ?",
                [SQLiteBind.uuid(userID)]
            )
            for hash in codeHashes {
                _ = try await store.unlockedRows(
                    "INSERT INTO tessera_recovery_codes (user_id, code_hash, created_at) VALUES (?, ?, ?)",
                    [SQLiteBind.uuid(userID), SQLiteBind.bytes(hash), SQLiteBind.date(now)]
                )
            }
        }
    }

    /// Consumes one unused recovery code with a conditional UPDATE.
    public func consumeRecoveryCode(userID: UUID, codeHash: [UInt8], now: Date) async throws -> Bool {
        try await !self.rows(
            """
            UPDATE tessera_recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL
            RETURNING id
            """,
            [SQLiteBind.date(now), SQLiteBind.uuid(userID), SQLiteBind.bytes(codeHash)]
        ).isEmpty
    }

    /// How many unused recovery codes a user has.
    public func remainingRecoveryCodes(userID: UUID) async throws -> Int {
        try await self.rows(
            "SELECT count(*) AS n FROM tessera_recovery_codes WHERE user_id = ? AND used_at IS NULL",
            [SQLiteBind.uuid(userID)]
        ).first?.int("n") ?? 0
    }
}
