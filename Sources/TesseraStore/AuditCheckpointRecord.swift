import Foundation

/// A row of `audits.audit_checkpoints`: the signed head of the audit Merkle tree after one sequencer batch.
///
/// The sequencer writes it in the same transaction as the batch's leaves, so a checkpoint of size `n` exists only
/// when leaves `0..<n` do. The verifier trusts nothing here but the signature: the root is recomputed from the
/// entries themselves, and `frontier` (the sequencer's resume state) is checked against the root before use.
public struct AuditCheckpointRecord: Sendable, Hashable {
    /// How many entries the tree holds (leaves `0..<treeSize`).
    public var treeSize: Int64
    /// The RFC 9162 Merkle tree hash of those entries.
    public var rootHash: [UInt8]
    /// When the checkpoint was signed, in whole milliseconds since 1970.
    public var timestampMilliseconds: Int64
    /// The Ed25519 signature over the checkpoint's signed form (see `AuditCheckpoint` in TesseraAudit).
    public var signature: [UInt8]
    /// Every entry with an id at or below this one had committed (and so is in the tree) or will never commit
    /// when the batch was made: the sequencer's resume point, and the line below which an entry outside the tree is
    /// an insertion.
    public var settledID: Int64
    /// The roots of the tree's perfect subtrees, left to right, 32 bytes each (the sequencer's compact state).
    public var frontier: [UInt8]

    /// Creates a checkpoint value.
    /// - Parameters:
    ///   - treeSize: Entries in the tree.
    ///   - rootHash: The tree's root.
    ///   - timestampMilliseconds: When it was signed.
    ///   - signature: The Ed25519 signature.
    ///   - settledID: The settled id at the batch.
    ///   - frontier: The perfect subtrees' roots.
    public init(
        treeSize: Int64,
        rootHash: [UInt8],
        timestampMilliseconds: Int64,
        signature: [UInt8],
        settledID: Int64,
        frontier: [UInt8]
    ) {
        self.treeSize = treeSize
        self.rootHash = rootHash
        self.timestampMilliseconds = timestampMilliseconds
        self.signature = signature
        self.settledID = settledID
        self.frontier = frontier
    }
}
