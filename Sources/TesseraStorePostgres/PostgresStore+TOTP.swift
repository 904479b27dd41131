import Foundation
import PostgresNIO
import TesseraStore

extension PostgresStore {
    /// Accepts a time step only if it is later than the last accepted one, in one upsert: concurrent callers with
    /// the same step serialise on the row and only the first one changes it.
    public func acceptTOTPStep(userID: UUID, step: Int64) async throws -> Bool {
        try await !self.rows(
            """
            INSERT INTO tessera.totp_replay (user_id, last_step) VALUES (\(userID), \(step))
            ON CONFLICT (user_id) DO UPDATE SET last_step = excluded.last_step
                WHERE tessera.totp_replay.last_step < excluded.last_step
            RETURNING user_id
            """
        ).isEmpty
    }

    /// Replaces a user's recovery codes in one transaction.
    public func replaceRecoveryCodes(userID: UUID, codeHashes: [[UInt8]], now: Date) async throws {
        try await self.withTransaction { transaction in
            try await transaction.rows("DELETE FROM tessera.recovery_codes WHERE user_id = \(userID)")
            for hash in codeHashes {
                try await transaction.rows(
                    """
                    INSERT INTO tessera.recovery_codes (user_id, code_hash, created_at)
                    VALUES (\(userID), \(ByteBuffer(bytes: hash)), \(now))
                    """
                )
            }
        }
    }

    /// Consumes one unused recovery code with a conditional UPDATE (exactly once under concurrency).
    public func consumeRecoveryCode(userID: UUID, codeHash: [UInt8], now: Date) async throws -> Bool {
        try await !self.rows(
            """
            UPDATE tessera.recovery_codes SET used_at = \(now)
            WHERE user_id = \(userID) AND code_hash = \(ByteBuffer(bytes: codeHash)) AND used_at IS NULL
            RETURNING id
            """
        ).isEmpty
    }

    /// How many unused recovery codes a user has.
    public func remainingRecoveryCodes(userID: UUID) async throws -> Int {
        let rows = try await self.rows(
            "SELECT count(*) FROM tessera.recovery_codes WHERE user_id = \(userID) AND used_at IS NULL"
        )
        guard let row = rows.first else { return 0 }
        return try Self.decoding { try row.decode(Int.self) }
    }
}
