import Foundation
import Synchronization
import TesseraAudit
import TesseraStore

/// Today's ``AuditSummarySource``: the hash chain's head for the length, and ``AuditVerifier`` for verifications,
/// whose last result is kept in memory (a restart forgets it; a verification is cheap to run again).
public final class ChainAuditSummary: AuditSummarySource {
    private let store: any TesseraStore
    private let key: AuditSigningKey
    private let last = Mutex<AuditSummary.Verification?>(nil)

    /// Creates the source.
    /// - Parameters:
    ///   - store: The store holding the chain.
    ///   - key: The audit key.
    public init(store: any TesseraStore, key: AuditSigningKey) {
        self.store = store
        self.key = key
    }

    /// The chain's length from its head, and the last verification.
    public func summary() async throws -> AuditSummary {
        let head = try await store.auditChainHead()
        return AuditSummary(entries: head.id - 1, lastVerification: last.withLock { $0 })
    }

    /// Walks the chain with ``AuditVerifier`` and keeps the result.
    public func verify() async throws -> AuditSummary.Verification {
        let result = try await AuditVerifier(store: store, key: key).verify()
        let outcome: AuditSummary.Verification.Outcome
        switch result {
        case .intact(let entries): outcome = .intact(entries: entries)
        case .broken(let at): outcome = .broken(entryID: at.entryID, reason: at.reason.rawValue)
        }
        let verification = AuditSummary.Verification(verifiedAt: Date(), outcome: outcome)
        last.withLock { $0 = verification }
        return verification
    }
}
