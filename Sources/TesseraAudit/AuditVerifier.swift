import Foundation
import TesseraStore

/// Verifies the audit log: the tree leaf by leaf against every signed checkpoint, then the unsealed tail.
///
/// Bounded memory (a page of leaves, a page of checkpoints and the tree's frontier), whatever the log's length.
/// What it checks, in one pass over the leaves in order:
/// - every entry's MAC (a modified entry, anywhere);
/// - that every leaf's entry exists and hashes to the leaf's stored hash (a deleted or re-pointed entry);
/// - that the leaves are dense (a deleted leaf);
/// - the legacy chain's rules for the entries written before the tree (links, density, the frozen head);
/// - at each checkpoint's size, its Ed25519 signature and that the recomputed root is its root (an entry before it
///   changed, removed, inserted or moved), and the same for checkpoints kept elsewhere (``verify(against:progress:)``);
/// - that the tree is not shorter than any checkpoint, and no leaf lies beyond the newest (a rollback, a cut);
/// then, for committed entries in no leaf: their MACs, and that none lies at or below the newest checkpoint's
/// settled line (an insertion).
public struct AuditVerifier: Sendable {
    /// The store holding the log.
    public let store: any TesseraStore
    let key: AuditSigningKey
    let publicKey: AuditCheckpointPublicKey
    /// Leaves read per page.
    public let pageSize: Int

    /// Creates a verifier.
    ///
    /// - Parameters:
    ///   - store: The store.
    ///   - key: The audit MAC key.
    ///   - publicKey: The checkpoint public key.
    ///   - pageSize: Entries per page (default 1000); memory use is proportional to it, not to the log.
    public init(
        store: any TesseraStore, key: AuditSigningKey, publicKey: AuditCheckpointPublicKey, pageSize: Int = 1000
    ) {
        self.store = store
        self.key = key
        self.publicKey = publicKey
        self.pageSize = max(1, pageSize)
    }

    /// Verifies the log (see the type's documentation).
    ///
    /// - Parameters:
    ///   - external: Checkpoints kept outside the database (e.g. the lines of `tessera audit checkpoints`): each
    ///     must verify, and the tree must have reached its size with its root.
    ///   - progress: Called after every page.
    /// - Returns: The report, with the first break if any.
    /// - Throws: `StoreError` when the store fails.
    public func verify(
        against external: [AuditCheckpoint] = [],
        progress: (@Sendable (AuditVerificationProgress) -> Void)? = nil
    ) async throws -> AuditVerificationReport {
        var report = AuditVerificationReport(
            sealedEntries: 0, unsealedEntries: 0, checkpoints: 0, lastCheckpoint: nil, firstBreak: nil
        )
        for checkpoint in external where !checkpoint.isValid(under: publicKey) {
            report.firstBreak = AuditBreak(entryID: 0, reason: .badCheckpointSignature)
            return report
        }
        let total = try await store.latestAuditCheckpoint()?.treeSize ?? 0
        var walk = try await TreeWalk(store: store, key: key, publicKey: publicKey, external: external)
        var index: Int64 = 0
        while true {
            let page = try await store.auditSequencedEntries(from: index, limit: pageSize)
            guard let last = page.last else { break }
            if let broken = try await walk.consume(page) {
                report.firstBreak = broken
                report.checkpoints = walk.checkpointsVerified
                return report
            }
            index = last.leaf.index + 1
            progress?(AuditVerificationProgress(verified: walk.frontier.size, total: max(total, walk.frontier.size)))
        }
        report.checkpoints = walk.checkpointsVerified
        if let broken = try await walk.finish() {
            report.firstBreak = broken
            return report
        }
        // Read after the walk: every leaf read was written with a checkpoint that is visible now.
        let newest = try await store.latestAuditCheckpoint()
        report.lastCheckpoint = newest.map(AuditCheckpoint.init)
        report.sealedEntries = newest?.treeSize ?? 0
        if walk.frontier.size > (newest?.treeSize ?? 0) {
            let beyond = try await store.auditSequencedEntries(from: newest?.treeSize ?? 0, limit: 1).first
            report.firstBreak = AuditBreak(entryID: beyond?.leaf.entryID ?? 0, reason: .beyondCheckpoint)
            return report
        }
        let legacyLastID = try await store.auditLegacyChainHead()?.lastID ?? 0
        let settled = newest?.settledID ?? 0
        var after: Int64 = 0
        while true {
            let page = try await store.unsequencedAuditEntries(after: after, limit: pageSize)
            guard let last = page.last else { break }
            for entry in page {
                let canonical = AuditCanonicalForm.bytes(of: entry)
                guard AuditCanonicalForm.isValidSignature(entry.signature, for: canonical, key: key) else {
                    report.firstBreak = AuditBreak(entryID: entry.id, reason: .badSignature)
                    return report
                }
                // Legacy entries wait for the first batch until the sequencer has run once.
                if entry.id <= settled && !(newest == nil && entry.id <= legacyLastID) {
                    report.firstBreak = AuditBreak(entryID: entry.id, reason: .inserted)
                    return report
                }
                report.unsealedEntries += 1
            }
            after = last.id
        }
        return report
    }
}

/// The leaf walk's state: the frontier, the legacy chain's rules and the checkpoints still ahead.
struct TreeWalk {
    let store: any TesseraStore
    let key: AuditSigningKey
    let publicKey: AuditCheckpointPublicKey
    let legacy: (lastID: Int64, lastHash: [UInt8])?
    var frontier = AuditMerkleFrontier()
    var previousLegacyHash = AuditCanonicalForm.genesisHash
    var stored: [AuditCheckpointRecord] = []
    var storedAfter: Int64 = 0
    var storedExhausted = false
    var external: [AuditCheckpoint]
    var checkpointsVerified: Int64 = 0
    /// The first entry after the last checkpoint passed: the one named when the next does not match.
    var batchStartEntryID: Int64?
    var lastEntryID: Int64 = 0

    init(
        store: any TesseraStore, key: AuditSigningKey, publicKey: AuditCheckpointPublicKey,
        external: [AuditCheckpoint]
    ) async throws {
        self.store = store
        self.key = key
        self.publicKey = publicKey
        self.legacy = try await store.auditLegacyChainHead()
        self.external = external.sorted { $0.treeSize < $1.treeSize }
    }

    /// Checks a page of leaves; returns the first break.
    mutating func consume(_ page: [AuditSequencedEntry]) async throws -> AuditBreak? {
        for item in page {
            let index = frontier.size
            if item.leaf.index < index {
                // Two rows for one leaf: an entry was inserted with an id that is already in the tree.
                return AuditBreak(entryID: item.leaf.entryID, reason: .inserted)
            }
            if item.leaf.index > index {
                return AuditBreak(entryID: item.leaf.entryID, reason: .missingLeaf)
            }
            guard let entry = item.entry else { return AuditBreak(entryID: item.leaf.entryID, reason: .missing) }
            let canonical = AuditCanonicalForm.bytes(of: entry)
            guard AuditCanonicalForm.isValidSignature(entry.signature, for: canonical, key: key) else {
                return AuditBreak(entryID: entry.id, reason: .badSignature)
            }
            if let broken = self.checkLegacy(entry, index: index, canonical: canonical) { return broken }
            let leafHash = AuditMerkleTree.leafHash(canonical)
            guard leafHash == item.leaf.leafHash else { return AuditBreak(entryID: entry.id, reason: .leafMismatch) }
            if batchStartEntryID == nil { batchStartEntryID = entry.id }
            frontier.append(leafHash)
            lastEntryID = entry.id
            if let broken = try await self.checkCheckpoints() { return broken }
        }
        return nil
    }

    /// The legacy chain's rules for leaf `index`: its first leaves are the chain's entries 1…last, linked.
    private mutating func checkLegacy(_ entry: AuditEntryRecord, index: Int64, canonical: [UInt8]) -> AuditBreak? {
        let legacyCount = legacy?.lastID ?? 0
        let isLegacy = !entry.previousHash.isEmpty
        if index < legacyCount {
            guard isLegacy else { return AuditBreak(entryID: index + 1, reason: .missing) }
            if entry.id < index + 1 { return AuditBreak(entryID: entry.id, reason: .outOfOrder) }
            if entry.id > index + 1 { return AuditBreak(entryID: index + 1, reason: .missing) }
            guard entry.previousHash == previousLegacyHash else {
                return AuditBreak(entryID: entry.id, reason: .brokenLink)
            }
            previousLegacyHash = AuditCanonicalForm.hash(canonical)
            if index + 1 == legacyCount, previousLegacyHash != legacy?.lastHash {
                return AuditBreak(entryID: entry.id, reason: .headMismatch)
            }
            return nil
        }
        return isLegacy ? AuditBreak(entryID: entry.id, reason: .brokenLink) : nil
    }

    /// Checks every checkpoint (stored or external) of the current size.
    private mutating func checkCheckpoints() async throws -> AuditBreak? {
        let size = frontier.size
        while true {
            if stored.isEmpty && !storedExhausted {
                stored = try await store.auditCheckpoints(after: storedAfter, limit: 1000)
                storedExhausted = stored.isEmpty
                storedAfter = stored.last?.treeSize ?? storedAfter
            }
            guard let next = stored.first, next.treeSize <= size else { break }
            stored.removeFirst()
            let checkpoint = AuditCheckpoint(next)
            guard checkpoint.isValid(under: publicKey) else {
                return AuditBreak(entryID: lastEntryID, reason: .badCheckpointSignature)
            }
            guard next.treeSize == size, next.rootHash == frontier.root else {
                return AuditBreak(entryID: batchStartEntryID ?? lastEntryID, reason: .checkpointMismatch)
            }
            checkpointsVerified += 1
            batchStartEntryID = nil
        }
        while let next = external.first, next.treeSize <= size {
            external.removeFirst()
            guard next.treeSize == size, next.rootHash == frontier.root else {
                return AuditBreak(entryID: lastEntryID, reason: .checkpointMismatch)
            }
        }
        return nil
    }

    /// After the last leaf: checkpoints larger than the tree mean leaves were removed from its end.
    mutating func finish() async throws -> AuditBreak? {
        if frontier.size == 0, let broken = try await self.checkCheckpoints() { return broken }
        if !stored.isEmpty || !external.isEmpty {
            return AuditBreak(entryID: lastEntryID, reason: .truncated)
        }
        if !storedExhausted, !(try await store.auditCheckpoints(after: frontier.size, limit: 1)).isEmpty {
            return AuditBreak(entryID: lastEntryID, reason: .truncated)
        }
        return nil
    }
}
