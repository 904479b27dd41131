import Foundation
import TesseraStore

/// An entry's inclusion proof: everything a third party needs to check, offline and with the checkpoint public key
/// alone, that the entry is leaf `leafIndex` of the tree a signed checkpoint commits to (docs/audit.md, "Checking a
/// proof").
public struct AuditInclusionProof: Sendable, Hashable, Codable {
    /// The entry's id.
    public var entryID: Int64
    /// The entry's canonical bytes (``AuditCanonicalForm``), base64.
    public var entry: String
    /// The leaf's index.
    public var leafIndex: Int64
    /// The sibling hashes from the leaf up (RFC 9162 §2.1.3), base64.
    public var path: [String]
    /// The checkpoint the proof leads to.
    public var checkpoint: Checkpoint
    /// The checkpoint public key (Ed25519, base64); compare it with the one you trust.
    public var publicKey: String

    /// The checkpoint part of a proof.
    public struct Checkpoint: Sendable, Hashable, Codable {
        /// The tree's size.
        public var treeSize: Int64
        /// The root, base64.
        public var rootHash: String
        /// When it was signed, milliseconds since 1970.
        public var timestampMs: Int64
        /// The Ed25519 signature of the signed form, base64.
        public var signature: String
        /// The one-line form (as `tessera audit checkpoints` prints it).
        public var line: String

        enum CodingKeys: String, CodingKey {
            case treeSize = "tree_size"
            case rootHash = "root_hash"
            case timestampMs = "timestamp_ms"
            case signature
            case line
        }

        /// The proof form of a stored checkpoint.
        /// - Parameter record: The checkpoint.
        public init(_ record: AuditCheckpointRecord) {
            self.treeSize = record.treeSize
            self.rootHash = Data(record.rootHash).base64EncodedString()
            self.timestampMs = record.timestampMilliseconds
            self.signature = Data(record.signature).base64EncodedString()
            self.line = AuditCheckpoint(record).line
        }
    }

    enum CodingKeys: String, CodingKey {
        case entryID = "entry_id"
        case entry
        case leafIndex = "leaf_index"
        case path
        case checkpoint
        case publicKey = "public_key"
    }

    /// Why no proof could be made.
    public enum Unavailable: Sendable, Hashable {
        /// No entry has the id.
        case noSuchEntry
        /// The entry is not in a checkpointed tree yet (the unsealed tail).
        case notYetSealed
    }

    /// Builds the proof of an entry against the newest checkpoint.
    ///
    /// Reads every stored leaf hash up to the checkpoint (32 bytes per entry) and checks the proof before returning
    /// it, so a tampered leaf table yields no proof rather than a false one.
    /// - Parameters:
    ///   - entryID: The entry.
    ///   - store: The store.
    ///   - publicKey: The checkpoint public key.
    /// - Returns: The proof, or why there is none.
    /// - Throws: `StoreError`, or `AuditError.invalidValue` when the stored tree does not match its checkpoint.
    public static func make(
        entryID: Int64, store: any TesseraStore, publicKey: AuditCheckpointPublicKey
    ) async throws -> Result<AuditInclusionProof, UnavailableError> {
        guard let entry = try await store.auditEntry(id: entryID) else {
            return .failure(UnavailableError(.noSuchEntry))
        }
        guard let leaf = try await store.auditLeaf(entryID: entryID),
            let checkpoint = try await store.latestAuditCheckpoint(), leaf.index < checkpoint.treeSize
        else { return .failure(UnavailableError(.notYetSealed)) }
        let leaves = try await AuditMerkleTree.storedLeafHashes(count: checkpoint.treeSize, in: store)
        let canonical = AuditCanonicalForm.bytes(of: entry)
        let leafHash = AuditMerkleTree.leafHash(canonical)
        let path = AuditMerkleTree.inclusionProof(index: Int(leaf.index), leaves: leaves[...])
        guard leaves.count == checkpoint.treeSize,
            AuditMerkleTree.verifyInclusion(
                leafHash: leafHash, index: leaf.index, treeSize: checkpoint.treeSize, proof: path,
                root: checkpoint.rootHash
            )
        else { throw AuditError(.invalidValue, "the stored tree does not match its checkpoint; run audit verify") }
        return .success(
            AuditInclusionProof(
                entryID: entryID, entry: Data(canonical).base64EncodedString(), leafIndex: leaf.index,
                path: path.map { Data($0).base64EncodedString() }, checkpoint: Checkpoint(checkpoint),
                publicKey: publicKey.description
            )
        )
    }

    /// Why no proof could be made, as an error value.
    public struct UnavailableError: Error, Sendable, Hashable {
        /// The reason.
        public let reason: Unavailable
        init(_ reason: Unavailable) { self.reason = reason }
    }

    /// The proof as pretty, key-sorted JSON.
    public var json: String { AuditProofJSON.encode(self) }
}

/// The JSON form `tessera audit prove` and `prove-consistency` print.
enum AuditProofJSON {
    /// Pretty, key-sorted JSON of `value`.
    static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

extension AuditMerkleTree {
    /// The first `count` stored leaf hashes, read a page at a time (32 bytes per leaf); fewer when the leaf table
    /// is shorter (the callers compare the result with a signed root, so a short table gives no proof).
    static func storedLeafHashes(count: Int64, in store: any TesseraStore) async throws -> [[UInt8]] {
        var leaves: [[UInt8]] = []
        leaves.reserveCapacity(Int(count))
        while leaves.count < count {
            let page = try await store.auditLeafHashes(
                from: Int64(leaves.count), limit: min(10_000, Int(count) - leaves.count)
            )
            guard !page.isEmpty else { break }
            leaves += page
        }
        return leaves
    }
}
