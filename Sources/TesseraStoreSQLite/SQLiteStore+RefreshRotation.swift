import Foundation
import SQLiteNIO
import TesseraStore

extension SQLiteStore {
    /// Rotates a refresh token and appends the audit entry for the outcome inside one `BEGIN IMMEDIATE`
    /// transaction (see ``TesseraStore/rotateRefreshToken(oldHash:newHash:newExpiresAt:now:graceWindow:audit:seal:)``).
    ///
    /// Writers are serialised by SQLite's write lock, so the read and the writes that follow it cannot interleave
    /// with another rotation or another append, in this process or another.
    public func rotateRefreshToken(
        oldHash: [UInt8],
        newHash: [UInt8],
        newExpiresAt: Date,
        now: Date,
        graceWindow: Duration,
        audit: @escaping @Sendable (RefreshRotation, SessionRecord?) throws -> AuditEntryDraft?,
        seal: @escaping @Sendable (AuditEntryDraft, AuditChainLink) throws -> AuditSeal
    ) async throws -> AuditedRefreshRotation {
        let auditing = RefreshRotationAudit(audit: audit, seal: seal)
        return try await self.withTransaction { store in
            let rows = try await store.unlockedRows(
                Self.selectSession + " WHERE refresh_token_hash = ?",
                [SQLiteBind.bytes(oldHash)]
            )
            guard let row = rows.first else {
                return try await store.audited(.notFound, presented: nil, auditing)
            }
            let old = try Self.decodeSession(row)
            let outcome: RefreshRotation
            switch old.rotationStep(newHash: newHash, newExpiresAt: newExpiresAt, now: now, graceWindow: graceWindow) {
            case .refuse(let refusal):
                outcome = refusal
            case .reportCurrent(let familyID):
                let current = try await store.unlockedRows(
                    Self.selectSession + " WHERE family_id = ? AND rotated_at IS NULL AND revoked_at IS NULL",
                    [SQLiteBind.uuid(familyID)]
                )
                outcome = try current.first.map { .alreadyRotated(current: try Self.decodeSession($0)) } ?? .revoked
            case .revokeFamily(let familyID):
                _ = try await store.unlockedRows(
                    "UPDATE auth_sessions SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL",
                    [SQLiteBind.date(now), SQLiteBind.uuid(familyID)]
                )
                outcome = .reuseDetected(familyID: familyID)
            case .rotate(let successor):
                _ = try await store.unlockedRows(
                    "UPDATE auth_sessions SET rotated_at = ?, last_used = ? WHERE id = ?",
                    [SQLiteBind.date(now), SQLiteBind.date(now), SQLiteBind.uuid(old.id)]
                )
                _ = try await store.unlockedRows(Self.insertSession, Self.binds(successor))
                outcome = .rotated(successor)
            }
            return try await store.audited(outcome, presented: old, auditing)
        }
    }

    /// Appends the caller's entry for `outcome`, if it wants one; the caller holds the transaction.
    private func audited(
        _ outcome: RefreshRotation,
        presented: SessionRecord?,
        _ auditing: RefreshRotationAudit
    ) async throws -> AuditedRefreshRotation {
        guard let draft = try auditing.draft(for: outcome, presented: presented) else {
            return AuditedRefreshRotation(outcome: outcome, auditEntry: nil)
        }
        let entry = try await self.unlockedAppendAuditEntry(draft, seal: auditing.seal)
        return AuditedRefreshRotation(outcome: outcome, auditEntry: entry)
    }
}
