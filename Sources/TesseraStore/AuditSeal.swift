import Foundation

/// What the caller's sealing closure returns for an entry: its hash and its signature (the MAC stored with it).
public struct AuditSeal: Sendable, Hashable {
    /// The hash of the canonical entry (informational: the store keeps only the signature).
    public var entryHash: [UInt8]
    /// The HMAC signature stored with the entry.
    public var signature: [UInt8]

    /// Creates a seal.
    /// - Parameters:
    ///   - entryHash: The entry's hash.
    ///   - signature: The entry's signature.
    public init(entryHash: [UInt8], signature: [UInt8]) {
        self.entryHash = entryHash
        self.signature = signature
    }
}
