import Foundation
import PostgresNIO
import TesseraStore

extension PostgresStore {
    /// The fixed column list of invitation reads (a constant, never a value).
    static let selectInvitation = """
        SELECT id, code_hash, role, max_uses, uses, expires_at, created_by, created_at, revoked_at, email
        FROM auth.invitations
        """

    /// Inserts an invitation.
    public func createInvitation(_ invitation: InvitationRecord) async throws {
        try await self.rows(
            """
            INSERT INTO auth.invitations (id, code_hash, role, max_uses, uses, expires_at, created_by, created_at,
                revoked_at, email)
            VALUES (\(invitation.id), \(ByteBuffer(bytes: invitation.codeHash)), \(invitation.role.rawValue),
                \(invitation.maxUses), \(invitation.uses), \(invitation.expiresAt), \(invitation.createdBy),
                \(invitation.createdAt), \(invitation.revokedAt), \(invitation.email))
            """
        )
    }

    /// The invitation with this code hash, or nil.
    public func invitation(codeHash: [UInt8]) async throws -> InvitationRecord? {
        try await self.rows(
            "\(unescaped: Self.selectInvitation) WHERE code_hash = \(ByteBuffer(bytes: codeHash))"
        ).first.map(Self.decodeInvitation)
    }

    /// The invitation with this id, or nil.
    public func invitation(id: UUID) async throws -> InvitationRecord? {
        try await self.rows("\(unescaped: Self.selectInvitation) WHERE id = \(id)").first.map(Self.decodeInvitation)
    }

    /// A page of invitations by id.
    public func invitations(after: UUID?, limit: Int) async throws -> [InvitationRecord] {
        guard limit >= 1 else { throw StoreError(.invalidValue, "a page holds at least one invitation") }
        let rows: [PostgresRow]
        if let after {
            rows = try await self.rows(
                "\(unescaped: Self.selectInvitation) WHERE id > \(after) ORDER BY id LIMIT \(limit)"
            )
        } else {
            rows = try await self.rows("\(unescaped: Self.selectInvitation) ORDER BY id LIMIT \(limit)")
        }
        return try rows.map(Self.decodeInvitation)
    }

    /// Takes one use atomically: a single conditional UPDATE, so the row lock decides between concurrent callers
    /// and `uses` can never pass `max_uses`. When no row changed, a second read explains why.
    public func redeemInvitation(codeHash: [UInt8], now: Date) async throws -> InvitationRedemption {
        let hash = ByteBuffer(bytes: codeHash)
        let updated = try await self.rows(
            """
            UPDATE auth.invitations SET uses = uses + 1
            WHERE code_hash = \(hash) AND revoked_at IS NULL AND expires_at > \(now) AND uses < max_uses
            RETURNING id, code_hash, role, max_uses, uses, expires_at, created_by, created_at, revoked_at, email
            """
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
            "UPDATE auth.invitations SET revoked_at = \(now) WHERE id = \(id) AND revoked_at IS NULL RETURNING id"
        ).isEmpty
    }

    /// Deletes up to `limit` expired invitations, skipping rows another transaction holds.
    public func deleteExpiredInvitations(before cutoff: Date, limit: Int) async throws -> Int {
        guard limit >= 1 else { throw StoreError(.invalidValue, "the batch limit must be at least 1") }
        return try await self.rows(
            """
            DELETE FROM auth.invitations WHERE id IN (
                SELECT id FROM auth.invitations WHERE expires_at < \(cutoff) LIMIT \(limit) FOR UPDATE SKIP LOCKED
            ) RETURNING id
            """
        ).count
    }

    static func decodeInvitation(_ row: PostgresRow) throws -> InvitationRecord {
        try Self.decoding {
            let (id, hash, role, maxUses, uses, expiresAt, createdBy, createdAt, revokedAt, email) = try row.decode(
                (UUID, ByteBuffer, String, Int, Int, Date, UUID?, Date, Date?, String?).self
            )
            guard let role = UserRole(rawValue: role) else {
                throw StoreError(.backend, "a stored role is unknown")
            }
            return InvitationRecord(
                id: id, codeHash: Array(hash.readableBytesView), role: role, maxUses: maxUses, uses: uses,
                expiresAt: expiresAt, createdBy: createdBy, createdAt: createdAt, revokedAt: revokedAt, email: email
            )
        }
    }
}
