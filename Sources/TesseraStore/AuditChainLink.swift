import Foundation

/// The position the store gives an entry being appended.
///
/// Since the tree replaced the hash chain, `previousHash` is empty for every new entry (its canonical form is
/// format 2, which has none); entries of the legacy chain carry the 32-byte hash of the entry before them.
public struct AuditChainLink: Sendable, Hashable {
    /// The id the entry will have.
    public var id: Int64
    /// The previous entry's hash for a legacy entry; empty for a new one.
    public var previousHash: [UInt8]

    /// Creates a link.
    /// - Parameters:
    ///   - id: The entry's id.
    ///   - previousHash: The previous entry's hash (legacy), or empty.
    public init(id: Int64, previousHash: [UInt8] = []) {
        self.id = id
        self.previousHash = previousHash
    }
}
