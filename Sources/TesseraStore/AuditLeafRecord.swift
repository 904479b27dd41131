/// A row of `audits.audit_sequence`: an entry's place in the audit Merkle tree.
public struct AuditLeafRecord: Sendable, Hashable {
    /// The leaf index (0, 1, …): the order the sequencer gave the entry.
    public var index: Int64
    /// The entry (`audits.audit_log.id`).
    public var entryID: Int64
    /// `SHA-256(0x00 || canonical entry)`, as the sequencer computed it.
    public var leafHash: [UInt8]

    /// Creates a leaf value.
    /// - Parameters:
    ///   - index: The leaf index.
    ///   - entryID: The entry.
    ///   - leafHash: The leaf hash.
    public init(index: Int64, entryID: Int64, leafHash: [UInt8]) {
        self.index = index
        self.entryID = entryID
        self.leafHash = leafHash
    }
}

/// A leaf with the entry it names, as the verifier walks the tree: `entry` is nil when the row is gone.
public struct AuditSequencedEntry: Sendable, Hashable {
    /// The leaf.
    public var leaf: AuditLeafRecord
    /// The entry it names, or nil when no such entry exists.
    public var entry: AuditEntryRecord?

    /// Creates a value.
    /// - Parameters:
    ///   - leaf: The leaf.
    ///   - entry: Its entry, if present.
    public init(leaf: AuditLeafRecord, entry: AuditEntryRecord?) {
        self.leaf = leaf
        self.entry = entry
    }
}
