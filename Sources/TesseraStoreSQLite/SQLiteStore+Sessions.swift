import Foundation
import SQLiteNIO
import TesseraStore

extension SQLiteStore {
    static let selectSession = """
        SELECT id, user_id, refresh_token_hash, expires_at, device_info, created_at, last_used, family_id, parent_id,
            rotation_counter, rotated_at, revoked_at, family_expires_at FROM auth_sessions
        """

    /// Inserts a session row.
    public func createSession(_ session: SessionRecord) async throws {
        _ = try await self.rows(Self.insertSession, Self.binds(session))
    }

    /// The session row with this refresh-token hash, or nil.
    public func session(refreshTokenHash: [UInt8]) async throws -> SessionRecord? {
        try await self.rows(
            Self.selectSession + " WHERE refresh_token_hash = ?",
            [SQLiteBind.bytes(refreshTokenHash)]
        ).first.map(Self.decodeSession)
    }

    /// Every session row of a user, oldest first.
    public func sessions(userID: UUID) async throws -> [SessionRecord] {
        try await self.rows(
            Self.selectSession + " WHERE user_id = ? ORDER BY created_at, rotation_counter, id",
            [SQLiteBind.uuid(userID)]
        ).map(Self.decodeSession)
    }

    /// Revokes a family.
    public func revokeSessionFamily(familyID: UUID, now: Date) async throws -> Int {
        try await self.rows(
            "UPDATE auth_sessions SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL RETURNING id",
            [SQLiteBind.date(now), SQLiteBind.uuid(familyID)]
        ).count
    }

    /// Revokes every session of a user.
    public func revokeSessions(userID: UUID, now: Date) async throws -> Int {
        try await self.rows(
            "UPDATE auth_sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL RETURNING id",
            [SQLiteBind.date(now), SQLiteBind.uuid(userID)]
        ).count
    }

    /// Deletes up to `limit` expired session rows.
    public func deleteExpiredSessions(before cutoff: Date, limit: Int) async throws -> Int {
        guard limit >= 1 else { throw StoreError(.invalidValue, "the batch limit must be at least 1") }
        return try await self.rows(
            """
            DELETE FROM auth_sessions WHERE id IN (SELECT id FROM auth_sessions WHERE expires_at < ? LIMIT ?)
            RETURNING id
            """,
            [SQLiteBind.date(cutoff), SQLiteBind.int(limit)]
        ).count
    }

    static let insertSession = """
        INSERT INTO auth_sessions (id, user_id, refresh_token_hash, expires_at, device_info, created_at, last_used,
            family_id, parent_id, rotation_counter, rotated_at, revoked_at, family_expires_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    static func binds(_ session: SessionRecord) -> [SQLiteData] {
        [
            SQLiteBind.uuid(session.id), SQLiteBind.uuid(session.userID), SQLiteBind.bytes(session.refreshTokenHash),
            SQLiteBind.date(session.expiresAt), SQLiteBind.json(session.deviceInfo), SQLiteBind.date(session.createdAt),
            SQLiteBind.date(session.lastUsed), SQLiteBind.uuid(session.familyID), SQLiteBind.uuid(session.parentID),
            SQLiteBind.int(session.rotationCounter), SQLiteBind.date(session.rotatedAt),
            SQLiteBind.date(session.revokedAt), SQLiteBind.date(session.familyExpiresAt),
        ]
    }

    static func decodeSession(_ row: SQLiteRowReader) throws -> SessionRecord {
        SessionRecord(
            id: try row.uuid("id"), userID: try row.uuid("user_id"),
            refreshTokenHash: try row.bytes("refresh_token_hash"), expiresAt: try row.date("expires_at"),
            deviceInfo: try row.json("device_info"), createdAt: try row.date("created_at"),
            lastUsed: try row.optionalDate("last_used"), familyID: try row.uuid("family_id"),
            parentID: try row.optionalUUID("parent_id"), rotationCounter: try row.int("rotation_counter"),
            rotatedAt: try row.optionalDate("rotated_at"), revokedAt: try row.optionalDate("revoked_at"),
            familyExpiresAt: try row.optionalDate("family_expires_at")
        )
    }
}
