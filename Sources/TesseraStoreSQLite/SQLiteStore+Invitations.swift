import Foundation
import SQLiteNIO
import TesseraStore

extension SQLiteStore {
    static let invitationColumns =
        "id, code_hash, role, max_uses, uses, expires_at, created_by, created_at, revoked_at, email"

    /// Inserts an invitation.
    public func createInvitation(_ invitation: InvitationRecord) async throws {
        _ = try await self.rows(
            """
            INSERT INTO auth_invitations (id, code_hash, role, max_uses, uses, expires_at, created_by, created_at,
                revoked_at, email)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                SQLiteBind.uuid(invitation.id), SQLiteBind.bytes(invitation.codeHash),
                SQLiteBind.text(invitation.role.rawValue), SQLiteBind.int(invitation.maxUses),
                SQLiteBind.int(invitation.uses), SQLiteBind.date(invitation.expiresAt),
                SQLiteBind.uuid(invitation.createdBy), SQLiteBind.date(invitation.createdAt),
                SQLiteBind.date(invitation.revokedAt), SQLiteBind.text(invitation.email),
            ]
        )
    }

    /// The invitation with this code hash, or nil.
    public func invitation(codeHash: [UInt8]) async throws -> InvitationRecord? {
        try await self.rows(
            "SELECT \(Self.invitationColumns) FROM auth_invitations WHERE code_hash = ?",
            [SQLiteBind.bytes(codeHash)]
        ).first.map(Self.decodeInvitation)
    }

    /// The invitation with this id, or nil.
    public func invitation(id: UUID) async throws -> InvitationRecord? {
        try await self.rows(
            "SELECT \(Self.invitationColumns) FROM auth_invitations WHERE id = ?", [SQLiteBind.uuid(id)]
        ).first.map(Self.decodeInvitation)
    }

    /// A page of invitations by id (lower-case text, the same order as PostgreSQL's uuid comparison).
    public func invitations(after: UUID?, limit: Int) async throws -> [InvitationRecord] {
        guard limit >= 1 else { throw StoreError(.invalidValue, "a page holds at least one invitation") }
        return try await self.rows(
            "SELECT \(Self.invitationColumns) FROM auth_invitations WHERE id > ? ORDER BY id LIMIT ?",
            [after.map(SQLiteBind.uuid) ?? .text(""), SQLiteBind.int(limit)]
        ).map(Self.decodeInvitation)
    }

    /// Takes one use with a single conditional UPDATE (one writer at a time, so `uses` never passes `max_uses`).
    public func redeemInvitation(codeHash: [UInt8], now: Date) async throws -> InvitationRedemption {
        let updated = try await self.rows(
            """
            UPDATE auth_invitations SET uses = uses + 1
            WHERE code_hash = ? AND revoked_at IS NULL AND expires_at > ? AND uses < max_uses
            RETURNING \(Self.invitationColumns)
            """,
            [SQLiteBind.bytes(codeHash), SQLiteBind.date(now)]
        )
        if let row = updated.first {
            return .redeemed(try Self.decodeInvitation(row))
        }
        guard let current = try await self.invitation(codeHash: codeHash) else { return .notFound }
        if current.revokedAt != nil { return .revoked }
        if current.expiresAt <= now { return .expired }
        return .exhausted
    }

    /// Revokes an invitation.
    public func revokeInvitation(id: UUID, now: Date) async throws -> Bool {
        try await !self.rows(
            "UPDATE auth_invitations SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL RETURNING id",
            [SQLiteBind.date(now), SQLiteBind.uuid(id)]
        ).isEmpty
    }

    /// Deletes up to `limit` expired invitations.
    public func deleteExpiredInvitations(before cutoff: Date, limit: Int) async throws -> Int {
        guard limit >= 1 else { throw StoreError(.invalidValue, "the batch limit must be at least 1") }
        return try await self.rows(
            """
            DELETE FROM auth_invitations WHERE id IN (SELECT id FROM auth_invitations WHERE expires_at < ? LIMIT ?)
            RETURNING id
            """,
            [SQLiteBind.date(cutoff), SQLiteBind.int(limit)]
        ).count
    }

    static func decodeInvitation(_ row: SQLiteRowReader) throws -> InvitationRecord {
        InvitationRecord(
            id: try row.uuid("id"), codeHash: try row.bytes("code_hash"), role: try row.role("role"),
            maxUses: try row.int("max_uses"), uses: try row.int("uses"), expiresAt: try row.date("expires_at"),
            createdBy: try row.optionalUUID("created_by"), createdAt: try row.date("created_at"),
            revokedAt: try row.optionalDate("revoked_at"), email: try row.optionalString("email")
        )
    }
}
