import Foundation

/// The audit log's tree: the leaves the sequencer placed (`audits.audit_sequence`), the signed checkpoints
/// (`audits.audit_checkpoints`), and the sequencer's lease.
///
/// Appends (``AuditStore``) never touch these tables: ordering and linking happen off the hot path, one sequencer
/// at a time, in batches (see docs/audit.md).
public protocol AuditLedgerStore: Sendable {

    /// Up to `limit` checkpoints with a tree size above `treeSize`, smallest first.
    func auditCheckpoints(after treeSize: Int64, limit: Int) async throws -> [AuditCheckpointRecord]

    /// The checkpoint with the largest tree size, or nil before the first batch.
    func latestAuditCheckpoint() async throws -> AuditCheckpointRecord?

    /// Up to `limit` leaves from index `index` on, in leaf order, each with its entry (nil when the entry is gone).
    func auditSequencedEntries(from index: Int64, limit: Int) async throws -> [AuditSequencedEntry]

    /// The stored leaf hashes of leaves `index..<index + limit` (fewer at the end), in leaf order: a prover reads
    /// them instead of the entries.
    func auditLeafHashes(from index: Int64, limit: Int) async throws -> [[UInt8]]

    /// The leaf of an entry, or nil when the entry is not (yet) in the tree.
    func auditLeaf(entryID: Int64) async throws -> AuditLeafRecord?

    /// One entry by id, or nil.
    func auditEntry(id: Int64) async throws -> AuditEntryRecord?

    /// Up to `limit` committed entries with an id above `afterID` that are in no leaf, in id order.
    func unsequencedAuditEntries(after afterID: Int64, limit: Int) async throws -> [AuditEntryRecord]

    /// The hash chain head as it was frozen by the migration to the tree (`last_id`, `last_hash`): entries up to
    /// `last_id` are the legacy chain, verified under the old rules. Nil when the store never had a chain.
    func auditLegacyChainHead() async throws -> (lastID: Int64, lastHash: [UInt8])?

    /// Runs `body` holding the sequencer lease, or returns nil at once when another holder has it.
    ///
    /// PostgreSQL: a session advisory lock on one pooled connection, held for the whole of `body` and released
    /// when it returns (or by the server when the holder's connection dies, which is how a replica takes over from
    /// one killed mid-batch). Every write of the lease runs on that connection, so a holder that lost its
    /// connection cannot write. SQLite: one holder per store in the process.
    /// - Parameter body: The sequencer's work, over the lease.
    /// - Returns: What `body` returns, or nil when the lease is taken.
    func withAuditSequencerLease<Result: Sendable>(
        _ body: @Sendable (any AuditSequencerLease) async throws -> Result
    ) async throws -> Result?
}

/// What the sequencer may do while it holds the lease.
public protocol AuditSequencerLease: Sendable {
    /// Takes an allocation marker (see ``AuditAllocationMarker``).
    func allocationMarker() async throws -> AuditAllocationMarker

    /// Whether every id up to the marker's bound has committed or never will.
    func isSettled(_ marker: AuditAllocationMarker) async throws -> Bool

    /// The checkpoint with the largest tree size, read on the lease's connection.
    func latestAuditCheckpoint() async throws -> AuditCheckpointRecord?

    /// Up to `limit` committed entries above `afterID` in no leaf, in id order, read on the lease's connection.
    func unsequencedAuditEntries(after afterID: Int64, limit: Int) async throws -> [AuditEntryRecord]

    /// Up to `limit` committed entries above `afterID` in id order, sequenced or not (the legacy chain's first batch).
    func auditEntries(after afterID: Int64, limit: Int) async throws -> [AuditEntryRecord]

    /// Writes a batch's leaves and its checkpoint in one transaction. Fails (and writes nothing) when a leaf index,
    /// an entry or the tree size is taken already, so two writers can never both extend the tree.
    func appendAuditBatch(_ leaves: [AuditLeafRecord], checkpoint: AuditCheckpointRecord) async throws
}
