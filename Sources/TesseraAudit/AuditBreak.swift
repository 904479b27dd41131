/// The first place where the audit chain does not hold, and why.
public struct AuditBreak: Sendable, Hashable, CustomStringConvertible {
    /// Why the chain breaks there.
    public enum Reason: String, Sendable, Hashable, CaseIterable {
        /// The entry's signature is not the HMAC of its canonical form: its content (or id) was changed.
        case badSignature = "bad signature"
        /// The entry's `prev_hash` is not the hash of the entry before it: an entry was changed, swapped or
        /// inserted before it.
        case brokenLink = "broken link"
        /// The entry is missing: the ids jump over it, or the chain ends before the chain head says it does.
        case missing = "missing entry"
        /// The entries are not in increasing id order.
        case outOfOrder = "out of order"
        /// The last entry's hash is not the one the chain head recorded.
        case headMismatch = "chain head mismatch"
        /// The entry lies beyond the chain head: appends move the head with every entry, so the head was rewound
        /// (the usual way to hide that the newest entries were deleted).
        case beyondHead = "entry beyond the chain head"
    }

    /// The id of the first bad entry.
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
