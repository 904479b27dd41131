/// The first place where the audit log does not hold, and why.
public struct AuditBreak: Sendable, Hashable, CustomStringConvertible {
    /// Why the log breaks there.
    public enum Reason: String, Sendable, Hashable, CaseIterable {
        /// The entry's signature is not the HMAC of its canonical form: its content (or id) was changed.
        case badSignature = "bad signature"
        /// Legacy chain: the entry's `prev_hash` is not the hash of the entry before it (an entry was changed,
        /// swapped or inserted before it).
        case brokenLink = "broken link"
        /// The entry is missing: a leaf names it but it is gone, or the legacy chain jumps over it.
        case missing = "missing entry"
        /// A leaf before this entry's is missing: a leaf (and its entry) was deleted.
        case missingLeaf = "a leaf before this entry is missing"
        /// Legacy chain: the entries are not in increasing id order.
        case outOfOrder = "out of order"
        /// Legacy chain: its last entry's hash is not the one the frozen chain head recorded.
        case headMismatch = "chain head mismatch"
        /// The leaf's stored hash is not the hash of the entry it names: the leaf was pointed at another entry.
        case leafMismatch = "leaf names another entry"
        /// The tree up to a signed checkpoint does not give the checkpoint's root: an entry before it was changed,
        /// removed, inserted or moved (the entry named is the first of that checkpoint's batch).
        case checkpointMismatch = "tree does not match the signed checkpoint"
        /// A checkpoint's signature does not verify under the checkpoint public key.
        case badCheckpointSignature = "bad checkpoint signature"
        /// The entry is in no leaf although every entry up to the settled line is: it was inserted.
        case inserted = "entry inserted outside the tree"
        /// A leaf lies beyond the newest checkpoint (batches write both at once): the checkpoints were cut back.
        case beyondCheckpoint = "leaf beyond the newest checkpoint"
        /// The tree is shorter than a checkpoint (stored or given with `--against`): rolled back or truncated.
        case truncated = "tree shorter than a signed checkpoint"
    }

    /// The id of the first bad entry (for ``Reason/truncated``, the last entry the tree still has; 0 when none).
    public let entryID: Int64
    /// Why.
    public let reason: Reason

    /// Creates a break.
    /// - Parameters:
    ///   - entryID: The entry.
    ///   - reason: Why.
    public init(entryID: Int64, reason: Reason) {
        self.entryID = entryID
        self.reason = reason
    }

    /// E.g. `entry 42: bad signature`.
    public var description: String { "entry \(entryID): \(reason.rawValue)" }
}
