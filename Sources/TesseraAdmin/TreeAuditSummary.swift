import Foundation
import Synchronization
import TesseraAudit
import TesseraStore

/// The ``AuditSummarySource`` of the audit tree: the log's length and newest signed checkpoint from the store, and
/// ``AuditVerifier`` for verifications, whose last result is kept in memory (a restart forgets it; a verification
/// is cheap to run again).
public final class TreeAuditSummary: AuditSummarySource {
    private let store: any TesseraStore
    private let key: AuditSigningKey
    private let publicKey: AuditCheckpointPublicKey
    private let last = Mutex<AuditSummary.Verification?>(nil)

    /// Creates the source.
    /// - Parameters:
    ///   - store: The store holding the log.
    ///   - key: The audit MAC key.
    ///   - publicKey: The checkpoint public key.
    public init(store: any TesseraStore, key: AuditSigningKey, publicKey: AuditCheckpointPublicKey) {
        self.store = store
        self.key = key
        self.publicKey = publicKey
    }

    /// The log's length, its newest checkpoint, and the last verification.
    public func summary() async throws -> AuditSummary {
        let head = try await store.auditChainHead()
        let newest = try await store.latestAuditCheckpoint().map(AuditCheckpoint.init)
        return AuditSummary(
            entries: head.id - 1, lastCheckpoint: newest.map(AuditSummary.Checkpoint.init),
            lastVerification: last.withLock { $0 }
        )
    }

    /// Verifies the log with ``AuditVerifier`` and keeps the result.
    public func verify() async throws -> AuditSummary.Verification {
        let report = try await AuditVerifier(store: store, key: key, publicKey: publicKey).verify()
        let outcome: AuditSummary.Verification.Outcome
        if let broken = report.firstBreak {
            outcome = .broken(entryID: broken.entryID, reason: broken.reason.rawValue)
        } else {
            outcome = .intact(entries: report.sealedEntries + report.unsealedEntries, unsealed: report.unsealedEntries)
        }
        let verification = AuditSummary.Verification(verifiedAt: Date(), outcome: outcome)
        last.withLock { $0 = verification }
        return verification
    }
}

extension AuditSummary.Checkpoint {
    init(_ checkpoint: AuditCheckpoint) {
        self.init(
            treeSize: checkpoint.treeSize,
            signedAt: Date(timeIntervalSince1970: Double(checkpoint.timestampMilliseconds) / 1000),
            line: checkpoint.line
        )
    }
}
