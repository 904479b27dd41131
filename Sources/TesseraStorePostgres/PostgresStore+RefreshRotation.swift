import Foundation
import PostgresNIO
import TesseraStore

extension PostgresStore {
    /// Rotates a refresh token and appends the audit entry for the outcome in one transaction (see
    /// ``TesseraStore/rotateRefreshToken(oldHash:newHash:newExpiresAt:now:graceWindow:audit:seal:)``).
    ///
    /// The presented row is locked `FOR UPDATE`, so concurrent rotations of one token queue behind each other; under
    /// READ COMMITTED the waiter then re-reads the row, sees it rotated, and reports the winner's successor. A
    /// successful rotation costs four round trips: BEGIN, the locked read (which also takes the entry's id from the
    /// log's sequence), one statement that writes both session rows and the sealed entry, and COMMIT. No row shared
    /// with other audited operations is locked: rotations of different families run in parallel.
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
        return try await self.withTransaction { transaction in
            let presented = try await transaction.execute(
                PostgresStatements.SessionForUpdateTakingEntryID(hash: oldHash)
            ).first
            guard let (old, entryID) = presented else {
                return try await Self.audited(.notFound, presented: nil, entryID: nil, auditing, in: transaction)
            }
            let outcome: RefreshRotation
            switch old.rotationStep(newHash: newHash, newExpiresAt: newExpiresAt, now: now, graceWindow: graceWindow) {
            case .rotate(let successor):
                let rotated = RefreshRotation.rotated(successor)
                let writes = PostgresStatements.RotationBindings(now: now, oldID: old.id, successor: successor)
                guard let draft = try auditing.draft(for: rotated, presented: old) else {
                    try await transaction.execute(PostgresStatements.RotateSession(bindings: writes))
                    return AuditedRefreshRotation(outcome: rotated, auditEntry: nil)
                }
                let (entry, _) = try draft.sealed(at: AuditChainLink(id: entryID), with: auditing.seal)
                let written = try await transaction.execute(
                    PostgresStatements.RotateSessionAppendingEntry(bindings: writes, entry: entry))
                guard written.first == entryID else {
                    throw StoreError(.backend, "the rotation's rows were not written")
                }
                return AuditedRefreshRotation(outcome: rotated, auditEntry: entry)
            case .refuse(let refusal):
                outcome = refusal
            case .reportCurrent(let familyID):
                let current = try await transaction.rows(
                    """
                    \(unescaped: Self.selectSession)
                    WHERE family_id = \(familyID) AND rotated_at IS NULL AND revoked_at IS NULL
                    """
                )
                outcome = try current.first.map { .alreadyRotated(current: try Self.decodeSession($0)) } ?? .revoked
            case .revokeFamily(let familyID):
                try await transaction.rows(
                    """
                    UPDATE auth.sessions SET revoked_at = \(now)
                    WHERE family_id = \(familyID) AND revoked_at IS NULL
                    """
                )
                outcome = .reuseDetected(familyID: familyID)
            }
            return try await Self.audited(outcome, presented: old, entryID: entryID, auditing, in: transaction)
        }
    }

    /// Appends the caller's entry for `outcome`, if it wants one, inside the rotation's transaction, under the entry
    /// id the locked read took (or a fresh one when it found no row).
    private static func audited(
        _ outcome: RefreshRotation,
        presented: SessionRecord?,
        entryID: Int64?,
        _ auditing: RefreshRotationAudit,
        in transaction: PostgresTransaction
    ) async throws -> AuditedRefreshRotation {
        guard let draft = try auditing.draft(for: outcome, presented: presented) else {
            return AuditedRefreshRotation(outcome: outcome, auditEntry: nil)
        }
        let id: Int64
        if let entryID {
            id = entryID
        } else {
            id = try await Self.nextAuditEntryID(in: transaction)
        }
        let entry = try await Self.appendAuditEntry(draft, id: id, seal: auditing.seal, in: transaction)
        return AuditedRefreshRotation(outcome: outcome, auditEntry: entry)
    }
}
