import Foundation
import PostgresNIO
import TesseraStore

extension PostgresStore {
    /// The fixed column list of challenge reads (a constant, never a value).
    static let selectMFAChallenge = """
        SELECT id, user_id, challenge_hash, device_info::text, created_at, expires_at, failed_attempts, consumed_at
        FROM auth.mfa_challenges
        """

    /// Inserts a challenge.
    public func createMFAChallenge(_ challenge: MFAChallengeRecord) async throws {
        try await self.rows(
            """
            INSERT INTO auth.mfa_challenges (id, user_id, challenge_hash, device_info, created_at, expires_at,
                failed_attempts, consumed_at)
            VALUES (\(challenge.id), \(challenge.userID), \(ByteBuffer(bytes: challenge.challengeHash)),
                \(JSONColumn.encode(challenge.deviceInfo))::jsonb, \(challenge.createdAt), \(challenge.expiresAt),
                \(challenge.failedAttempts), \(challenge.consumedAt))
            """
        )
    }

    /// The challenge with this hash, locked `FOR UPDATE`.
    public func mfaChallengeForUpdate(hash: [UInt8]) async throws -> MFAChallengeRecord? {
        let rows = try await self.rows(
            "\(unescaped: Self.selectMFAChallenge) WHERE challenge_hash = \(ByteBuffer(bytes: hash)) FOR UPDATE"
        )
        return try rows.first.map { row in
            try Self.decoding {
                let (id, userID, challengeHash, deviceInfo, createdAt, expiresAt, failedAttempts, consumedAt) =
                    try row.decode((UUID, UUID, ByteBuffer, String, Date, Date, Int, Date?).self)
                return MFAChallengeRecord(
                    id: id, userID: userID, challengeHash: Array(challengeHash.readableBytesView),
                    deviceInfo: try JSONColumn.decode(deviceInfo), createdAt: createdAt, expiresAt: expiresAt,
                    failedAttempts: failedAttempts, consumedAt: consumedAt
                )
            }
        }
    }

    /// Writes a challenge's attempts and consumption.
    public func updateMFAChallenge(_ challenge: MFAChallengeRecord) async throws {
        let rows = try await self.rows(
            """
            UPDATE auth.mfa_challenges
            SET failed_attempts = \(challenge.failedAttempts), consumed_at = \(challenge.consumedAt)
            WHERE id = \(challenge.id) RETURNING id
            """
        )
        guard !rows.isEmpty else { throw StoreError(.notFound, "no such challenge") }
    }

    /// Deletes up to `limit` expired challenges, skipping rows another transaction holds.
    public func deleteExpiredMFAChallenges(before cutoff: Date, limit: Int) async throws -> Int {
        guard limit >= 1 else { throw StoreError(.invalidValue, "the batch limit must be at least 1") }
        return try await self.rows(
            """
            DELETE FROM auth.mfa_challenges WHERE id IN (
                SELECT id FROM auth.mfa_challenges WHERE expires_at < \(cutoff) LIMIT \(limit) FOR UPDATE SKIP LOCKED
            ) RETURNING id
            """
        ).count
    }
}
