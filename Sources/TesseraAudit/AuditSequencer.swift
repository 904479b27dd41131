import Foundation
import Logging
import TesseraStore

/// Gives committed audit entries their place in the Merkle tree and signs a checkpoint per batch, off the hot path.
///
/// One sequencer runs at a time across every replica: ``run()`` loops trying to take the store's sequencer lease
/// (``AuditLedgerStore/withAuditSequencerLease(_:)``); the holder makes a batch every ``Configuration/interval``,
/// the others retry at the same pace, so a replica takes over within about one interval of its holder's death.
///
/// A batch: take an allocation marker; find the newest earlier marker that is settled (every id up to it has
/// committed or never will); read the committed entries above the settled line that no leaf names (in id order,
/// whatever order they committed in); check each one's MAC (an entry that fails is never sequenced: the verifier
/// reports it); append them to the tree; sign the new root; write leaves and checkpoint in one transaction. An
/// entry whose transaction is still open stays above the settled line, so a later batch picks it up: nothing that
/// commits is skipped. A batch that fails leaves nothing behind and the next holder starts from the last checkpoint.
public struct AuditSequencer: Sendable {
    /// Tunables.
    public struct Configuration: Sendable {
        /// How often a batch is made (default 250 ms, so a checkpoint follows an entry within about a second).
        public var interval: Duration
        /// The most entries one batch takes (default 20 000).
        public var maxBatch: Int

        /// The defaults.
        /// - Parameters:
        ///   - interval: Between batches.
        ///   - maxBatch: Entries per batch at most.
        public init(interval: Duration = .milliseconds(250), maxBatch: Int = 20_000) {
            self.interval = interval
            self.maxBatch = max(1, maxBatch)
        }
    }

    /// What one batch did, for metrics and benchmarks.
    public struct BatchReport: Sendable {
        /// The checkpoint written.
        public let checkpoint: AuditCheckpoint
        /// How many entries it placed.
        public let entries: Int
        /// For each placed entry, the time from its timestamp to the checkpoint's.
        public let lags: [Duration]
    }

    let store: any TesseraStore
    let key: AuditSigningKey
    let checkpointKey: AuditCheckpointKey
    /// The tunables.
    public let configuration: Configuration
    let logger: Logger
    let onBatch: (@Sendable (BatchReport) -> Void)?

    /// Creates a sequencer.
    /// - Parameters:
    ///   - store: The store.
    ///   - key: The audit MAC key (entries are checked before they are placed).
    ///   - checkpointKey: The Ed25519 key that signs checkpoints.
    ///   - configuration: Tunables.
    ///   - logger: Where to log (no entry content is logged, only ids and counts).
    ///   - onBatch: Called after every batch that wrote a checkpoint.
    public init(
        store: any TesseraStore,
        key: AuditSigningKey,
        checkpointKey: AuditCheckpointKey,
        configuration: Configuration = Configuration(),
        logger: Logger = Logger(label: "tessera.audit.sequencer"),
        onBatch: (@Sendable (BatchReport) -> Void)? = nil
    ) {
        self.store = store
        self.key = key
        self.checkpointKey = checkpointKey
        self.configuration = configuration
        self.logger = logger
        self.onBatch = onBatch
    }

    /// Runs until the task is cancelled: takes the lease when it is free and sequences while holding it.
    public func run() async {
        while !Task.isCancelled {
            do {
                _ = try await store.withAuditSequencerLease { lease in
                    self.logger.debug("audit sequencer lease taken")
                    try await self.lead(lease)
                }
            } catch {
                if Task.isCancelled { return }
                self.logger.warning("audit sequencer stopped leading", metadata: ["error": "\(error)"])
            }
            do {
                try await Task.sleep(for: configuration.interval)
            } catch {
                return
            }
        }
    }

    /// Sequences batch after batch while holding `lease`, until cancelled or a batch fails.
    func lead(_ lease: any AuditSequencerLease) async throws {
        var state = try await State.restore(from: lease)
        let clock = ContinuousClock()
        while !Task.isCancelled {
            let started = clock.now
            state = try await self.batch(lease, state)
            try await Task.sleep(until: started.advanced(by: configuration.interval), clock: clock)
        }
    }

    /// Makes batches until no entry is left to place (tests, and a final flush).
    /// - Returns: The checkpoint at the end, or nil when the tree is empty.
    /// - Throws: `StoreError` when the lease is taken by another holder or the store fails.
    @discardableResult
    public func drain() async throws -> AuditCheckpointRecord? {
        let result = try await store.withAuditSequencerLease { lease -> AuditCheckpointRecord? in
            var state = try await State.restore(from: lease)
            // Twice more than it takes for the markers taken now to settle, when nothing holds an id open.
            var quiet = 0
            while quiet < 3 {
                let before = state.frontier.size
                state = try await self.batch(lease, state)
                quiet = state.frontier.size == before && state.pending.isEmpty ? quiet + 1 : 0
                if state.frontier.size == before { try await Task.sleep(for: .milliseconds(20)) }
            }
            return try await lease.latestAuditCheckpoint()
        }
        guard let result else { throw StoreError(.backend, "the audit sequencer lease is held elsewhere") }
        return result
    }

    /// Makes one batch on `lease` (exposed for tests that interleave batches with open transactions).
    /// - Parameter lease: The lease.
    /// - Returns: The number of entries placed.
    public func batchOnce(_ lease: any AuditSequencerLease) async throws -> Int {
        let state = try await State.restore(from: lease)
        return Int(try await self.batch(lease, state).frontier.size - state.frontier.size)
    }

    /// The sequencer's state between batches.
    struct State: Sendable {
        var frontier: AuditMerkleFrontier
        var settledID: Int64
        var pending: [AuditAllocationMarker]
        var legacyFirstBatch: Int64?

        /// Resumes from the newest checkpoint, refusing one whose stored frontier does not give its root.
        static func restore(from lease: any AuditSequencerLease) async throws -> State {
            guard let checkpoint = try await lease.latestAuditCheckpoint() else {
                return State(frontier: AuditMerkleFrontier(), settledID: 0, pending: [], legacyFirstBatch: nil)
            }
            guard let frontier = AuditMerkleFrontier(size: checkpoint.treeSize, stored: checkpoint.frontier),
                frontier.root == checkpoint.rootHash
            else {
                throw StoreError(.backend, "the newest audit checkpoint's frontier does not match its root")
            }
            return State(frontier: frontier, settledID: checkpoint.settledID, pending: [], legacyFirstBatch: nil)
        }
    }

    func batch(_ lease: any AuditSequencerLease, _ initial: State) async throws -> State {
        var state = initial
        if state.frontier.size == 0, state.settledID == 0,
            let legacy = try await store.auditLegacyChainHead(), legacy.lastID > 0
        {
            return try await self.legacyBatch(lease, state, lastID: legacy.lastID)
        }
        state.pending.append(try await lease.allocationMarker())
        var bound: Int64?
        while let oldest = state.pending.first, try await lease.isSettled(oldest) {
            bound = max(bound ?? 0, oldest.lastAllocatedID)
            state.pending.removeFirst()
        }
        // Read after the settledness test: every id up to `bound` that will ever commit has, and is visible now.
        let entries = try await lease.unsequencedAuditEntries(after: state.settledID, limit: configuration.maxBatch)
        var settled = state.settledID
        if let bound {
            let seenAll = entries.count < configuration.maxBatch
            settled = max(settled, seenAll ? bound : min(bound, entries.last?.id ?? bound))
        }
        return try await self.place(entries, lease, state, settledID: settled)
    }

    /// The first batch after the migration: the whole legacy chain, in id order.
    private func legacyBatch(_ lease: any AuditSequencerLease, _ state: State, lastID: Int64) async throws -> State {
        var entries: [AuditEntryRecord] = []
        var after: Int64 = 0
        while after < lastID {
            let page = try await lease.auditEntries(after: after, limit: 10_000)
            guard let last = page.last else { break }
            entries += page.prefix { $0.id <= lastID }
            after = last.id
            if last.id >= lastID { break }
        }
        return try await self.place(entries, lease, state, settledID: lastID)
    }

    /// Appends the entries whose MAC holds, signs the root and writes the batch.
    private func place(
        _ entries: [AuditEntryRecord],
        _ lease: any AuditSequencerLease,
        _ initial: State,
        settledID: Int64
    ) async throws -> State {
        var state = initial
        var frontier = state.frontier
        var leaves: [AuditLeafRecord] = []
        var timestamps: [Date] = []
        leaves.reserveCapacity(entries.count)
        for entry in entries {
            let canonical = AuditCanonicalForm.bytes(of: entry)
            guard AuditCanonicalForm.isValidSignature(entry.signature, for: canonical, key: key) else {
                logger.error("audit entry refused: its MAC does not verify", metadata: ["entry_id": "\(entry.id)"])
                continue
            }
            let leafHash = AuditMerkleTree.leafHash(canonical)
            leaves.append(AuditLeafRecord(index: frontier.size, entryID: entry.id, leafHash: leafHash))
            frontier.append(leafHash)
            timestamps.append(entry.timestamp)
        }
        guard !leaves.isEmpty else {
            state.settledID = settledID
            return state
        }
        let now = Date()
        let milliseconds = AuditCanonicalForm.milliseconds(of: now)
        let root = frontier.root
        let signed = AuditCheckpoint.signedBytes(
            treeSize: frontier.size, rootHash: root, timestampMilliseconds: milliseconds
        )
        let record = AuditCheckpointRecord(
            treeSize: frontier.size, rootHash: root, timestampMilliseconds: milliseconds,
            signature: try checkpointKey.sign(signed), settledID: settledID, frontier: frontier.serialized
        )
        try await lease.appendAuditBatch(leaves, checkpoint: record)
        state.frontier = frontier
        state.settledID = settledID
        if let onBatch {
            onBatch(
                BatchReport(
                    checkpoint: AuditCheckpoint(record), entries: leaves.count,
                    lags: timestamps.map { .seconds(now.timeIntervalSince($0)) }
                )
            )
        }
        return state
    }
}
