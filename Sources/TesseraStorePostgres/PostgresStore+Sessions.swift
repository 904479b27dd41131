import Foundation
import PostgresNIO
import TesseraStore

extension PostgresStore {
    /// The fixed column list of session reads (a constant, never a value).
    static let selectSession = "SELECT \(sessionColumns) FROM auth.sessions"

    /// The columns ``decodeSession(_:)`` reads, in its order.
    static let sessionColumns = """
        id, user_id, refresh_token_hash, expires_at, device_info::text, created_at, last_used, family_id, parent_id, \
        rotation_counter, rotated_at, revoked_at, family_expires_at
        """

    /// How many columns ``sessionColumns`` names: a statement's further columns start at this index.
    static let sessionColumnCount = 13

    /// Inserts a session row.
    public func createSession(_ session: SessionRecord) async throws {
        try await self.rows(Self.insert(session))
    }

    /// The session row with this refresh-token hash, or nil.
    public func session(refreshTokenHash: [UInt8]) async throws -> SessionRecord? {
        try await self.rows(
            "\(unescaped: Self.selectSession) WHERE refresh_token_hash = \(ByteBuffer(bytes: refreshTokenHash))"
        ).first.map(Self.decodeSession)
    }

    /// Every session row of a user, oldest first.
    public func sessions(userID: UUID) async throws -> [SessionRecord] {
        try await self.rows(
            "\(unescaped: Self.selectSession) WHERE user_id = \(userID) ORDER BY created_at, rotation_counter, id"
        ).map(Self.decodeSession)
    }

    /// Revokes a family.
    public func revokeSessionFamily(familyID: UUID, now: Date) async throws -> Int {
        try await self.rows(
            """
            UPDATE auth.sessions SET revoked_at = \(now) WHERE family_id = \(familyID) AND revoked_at IS NULL
            RETURNING id
            """
        ).count
    }

    /// Revokes every session of a user.
    public func revokeSessions(userID: UUID, now: Date) async throws -> Int {
        try await self.rows(
            """
            UPDATE auth.sessions SET revoked_at = \(now) WHERE user_id = \(userID) AND revoked_at IS NULL
            RETURNING id
            """
        ).count
    }

    /// Deletes up to `limit` expired session rows, skipping rows another transaction holds.
    public func deleteExpiredSessions(before cutoff: Date, limit: Int) async throws -> Int {
        guard limit >= 1 else { throw StoreError(.invalidValue, "the batch limit must be at least 1") }
        return try await self.rows(
            """
            DELETE FROM auth.sessions WHERE id IN (
                SELECT id FROM auth.sessions WHERE expires_at < \(cutoff) LIMIT \(limit) FOR UPDATE SKIP LOCKED
            ) RETURNING id
            """
        ).count
    }

    static func insert(_ session: SessionRecord) -> PostgresQuery {
        """
        INSERT INTO auth.sessions (id, user_id, refresh_token_hash, expires_at, device_info, created_at, last_used,
            family_id, parent_id, rotation_counter, rotated_at, revoked_at, family_expires_at)
        VALUES (\(session.id), \(session.userID), \(ByteBuffer(bytes: session.refreshTokenHash)), \(session.expiresAt),
            \(JSONColumn.encode(session.deviceInfo))::jsonb, \(session.createdAt), \(session.lastUsed),
            \(session.familyID), \(session.parentID), \(session.rotationCounter), \(session.rotatedAt),
            \(session.revokedAt), \(session.familyExpiresAt))
        """
    }

    static func decodeSession(_ row: PostgresRow) throws -> SessionRecord {
        try Self.decoding {
            let (
                id, userID, hash, expiresAt, deviceInfo, createdAt, lastUsed, familyID, parentID, counter, rotatedAt,
                revokedAt, familyExpiresAt
            ) = try row.decode(
                (UUID, UUID, ByteBuffer, Date, String, Date, Date?, UUID, UUID?, Int, Date?, Date?, Date?).self
            )
            return SessionRecord(
                id: id, userID: userID, refreshTokenHash: Array(hash.readableBytesView), expiresAt: expiresAt,
                deviceInfo: try JSONColumn.decode(deviceInfo), createdAt: createdAt, lastUsed: lastUsed,
                familyID: familyID, parentID: parentID, rotationCounter: counter, rotatedAt: rotatedAt,
                revokedAt: revokedAt, familyExpiresAt: familyExpiresAt
            )
        }
    }
}
