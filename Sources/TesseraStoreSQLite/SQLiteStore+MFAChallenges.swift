import Foundation
import SQLiteNIO
import TesseraStore

extension SQLiteStore {
    /// Inserts a challenge.
    public func createMFAChallenge(_ challenge: MFAChallengeRecord) async throws {
        _ = try await self.rows(
            """
            INSERT INTO auth_mfa_challenges (id, user_id, challenge_hash, device_info, created_at, expires_at,
                failed_attempts, consumed_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                SQLiteBind.uuid(challenge.id), SQLiteBind.uuid(challenge.userID),
                SQLiteBind.bytes(challenge.challengeHash), SQLiteBind.json(challenge.deviceInfo),
                SQLiteBind.date(challenge.createdAt), SQLiteBind.date(challenge.expiresAt),
                SQLiteBind.int(challenge.failedAttempts), SQLiteBind.date(challenge.consumedAt),
            ]
        )
    }

    /// The challenge with this hash (a write transaction already excludes every other writer).
    public func mfaChallengeForUpdate(hash: [UInt8]) async throws -> MFAChallengeRecord? {
        let rows = try await self.rows(
            """
            SELECT id, user_id, challenge_hash, device_info, created_at, expires_at, failed_attempts, consumed_at
            FROM auth_mfa_challenges WHERE challenge_hash = ?
            """,
            [SQLiteBind.bytes(hash)]
        )
        return try rows.first.map { row in
            MFAChallengeRecord(
                id: try row.uuid("id"), userID: try row.uuid("user_id"), challengeHash: try row.bytes("challenge_hash"),
                deviceInfo: try row.json("device_info"), createdAt: try row.date("created_at"),
                expiresAt: try row.date("expires_at"), failedAttempts: try row.int("failed_attempts"),
                consumedAt: try row.optionalDate("consumed_at")
            )
        }
    }

    /// Writes a challenge's attempts and consumption.
    public func updateMFAChallenge(_ challenge: MFAChallengeRecord) async throws {
        let rows = try await self.rows(
            "UPDATE auth_mfa_challenges SET failed_attempts = ?, consumed_at = ? WHERE id = ? RETURNING id",
            [
                SQLiteBind.int(challenge.failedAttempts), SQLiteBind.date(challenge.consumedAt),
                SQLiteBind.uuid(challenge.id),
            ]
        )
        guard !rows.isEmpty else { throw StoreError(.notFound, "no such challenge") }
    }

    /// Deletes up to `limit` expired challenges.
    public func deleteExpiredMFAChallenges(before cutoff: Date, limit: Int) async throws -> Int {
        guard limit >= 1 else { throw StoreError(.invalidValue, "the batch limit must be at least 1") }
        return try await self.rows(
            """
            DELETE FROM auth_mfa_challenges WHERE id IN (SELECT id FROM auth_mfa_challenges WHERE expires_at < ? LIMIT ?)
            RETURNING id
            """,
            [SQLiteBind.date(cutoff), SQLiteBind.int(limit)]
        ).count
    }
}
