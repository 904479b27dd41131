import Foundation

/// The chain position the store gives an entry being appended, under the chain lock.
public struct AuditChainLink: Sendable, Hashable {
    /// The id the entry will have.
    public var id: Int64
    /// The hash of the entry before it (32 zero bytes for the first entry).
    public var previousHash: [UInt8]

    /// Creates a link.
    /// - Parameters:
    ///   - id: The entry's id.
    ///   - previousHash: The previous entry's hash.
    public init(id: Int64, previousHash: [UInt8]) {
        self.id = id
        self.previousHash = previousHash
    }
}
