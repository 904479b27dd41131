import Foundation

/// The caller-supplied parts of an audited refresh rotation, and the steps every backend shares around them.
///
/// A backend decides the rotation (``SessionRecord/rotationStep(newHash:newExpiresAt:now:graceWindow:)``), asks
/// ``draft(for:presented:)`` what to record, and, when there is something, takes an entry id, seals the entry with
/// ``AuditEntryDraft/sealed(at:with:)`` and writes it before COMMIT: the entry exists if and only if the rotation committed.
package struct RefreshRotationAudit: Sendable {
    /// Makes the audit draft for an outcome (nil: record nothing).
    package let audit: @Sendable (RefreshRotation, SessionRecord?) throws -> AuditEntryDraft?
    /// Computes the entry's hash and signature.
    package let seal: @Sendable (AuditEntryDraft, AuditChainLink) throws -> AuditSeal

    /// Wraps the caller's closures.
    /// - Parameters:
    ///   - audit: Makes the draft for an outcome and the presented row.
    ///   - seal: Seals a draft at its chain position.
    package init(
        audit: @escaping @Sendable (RefreshRotation, SessionRecord?) throws -> AuditEntryDraft?,
        seal: @escaping @Sendable (AuditEntryDraft, AuditChainLink) throws -> AuditSeal
    ) {
        self.audit = audit
        self.seal = seal
    }

    /// Records nothing: the unaudited rotation.
    package static let none = RefreshRotationAudit(
        audit: { _, _ in nil },
        seal: { _, _ in throw StoreError(.backend, "no audit entry was requested") }
    )

    /// The caller's draft for `outcome`; a throwing closure's error is carried out of the transaction unchanged.
    /// - Parameters:
    ///   - outcome: What the rotation did.
    ///   - presented: The presented token's row as read under the lock (nil when unknown).
    package func draft(for outcome: RefreshRotation, presented: SessionRecord?) throws -> AuditEntryDraft? {
        do {
            return try self.audit(outcome, presented)
        } catch {
            throw CallerError(error)
        }
    }
}

extension AuditEntryDraft {
    /// Seals the draft at its id with a caller's closure and returns the row to insert and the seal. The closure's error is carried out of the transaction unchanged.
    /// - Parameters:
    ///   - link: The id the store took for the entry.
    ///   - seal: The caller's sealing closure.
    package func sealed(
        at link: AuditChainLink,
        with seal: (AuditEntryDraft, AuditChainLink) throws -> AuditSeal
    ) throws -> (AuditEntryRecord, AuditSeal) {
        let sealed: AuditSeal
        do {
            sealed = try seal(self, link)
        } catch {
            throw CallerError(error)
        }
        let entry = AuditEntryRecord(
            id: link.id, entity: self.entity, action: self.action, actorID: self.actorID, payload: self.payload,
            signature: sealed.signature, previousHash: link.previousHash, timestamp: self.timestamp
        )
        return (entry, sealed)
    }
}
