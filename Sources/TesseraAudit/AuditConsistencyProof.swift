import Foundation
import TesseraStore

/// A consistency proof between two signed checkpoints: everything a third party needs to check, offline and with the
/// checkpoint public key alone, that the newer checkpoint's tree begins with the older one's unchanged, so nothing
/// the older one covered was altered, removed or reordered since (RFC 9162 §2.1.4; docs/audit.md, "Checking a
/// consistency proof").
///
/// An auditor who kept an older checkpoint line (from `tessera audit checkpoints --follow`) asks for the proof from
/// its size to the newest checkpoint, checks it against the line it kept, and keeps the newer line in its place.
public struct AuditConsistencyProof: Sendable, Hashable, Codable {
    /// The older checkpoint.
    public var first: AuditInclusionProof.Checkpoint
    /// The newer checkpoint.
    public var second: AuditInclusionProof.Checkpoint
    /// The proof's hashes (RFC 9162 §2.1.4.1), base64; empty when both checkpoints have the same size.
    public var path: [String]
    /// The checkpoint public key (Ed25519, base64); compare it with the one you trust.
    public var publicKey: String

    enum CodingKeys: String, CodingKey {
        case first
        case second
        case path
        case publicKey = "public_key"
    }

    /// Why no proof could be made.
    public enum Unavailable: Sendable, Hashable {
        /// No checkpoint has the older size.
        case noCheckpointOfFirstSize
        /// No checkpoint has the newer size (or there is no checkpoint at all).
        case noCheckpointOfSecondSize
        /// The older size is larger than the newer one.
        case sizesOutOfOrder
    }

    /// Why no proof could be made, as an error value.
    public struct UnavailableError: Error, Sendable, Hashable {
        /// The reason.
        public let reason: Unavailable
        init(_ reason: Unavailable) { self.reason = reason }
    }

    /// Builds the proof from the checkpoint of `firstSize` leaves to the checkpoint of `secondSize` leaves (the
    /// newest when nil).
    ///
    /// Reads every stored leaf hash up to the newer size (32 bytes per entry) and checks the proof against both
    /// signed roots before returning it, so a tampered leaf table yields no proof rather than a false one.
    /// - Parameters:
    ///   - firstSize: The older checkpoint's tree size.
    ///   - secondSize: The newer checkpoint's tree size, or nil for the newest checkpoint.
    ///   - store: The store.
    ///   - publicKey: The checkpoint public key.
    /// - Returns: The proof, or why there is none.
    /// - Throws: `StoreError`, or `AuditError.invalidValue` when the stored tree does not match its checkpoints.
    public static func make(
        from firstSize: Int64, to secondSize: Int64? = nil, store: any TesseraStore,
        publicKey: AuditCheckpointPublicKey
    ) async throws -> Result<AuditConsistencyProof, UnavailableError> {
        if let secondSize, secondSize < firstSize { return .failure(UnavailableError(.sizesOutOfOrder)) }
        let second: AuditCheckpointRecord
        if let secondSize {
            guard let found = try await Self.checkpoint(size: secondSize, in: store) else {
                return .failure(UnavailableError(.noCheckpointOfSecondSize))
            }
            second = found
        } else {
            guard let newest = try await store.latestAuditCheckpoint() else {
                return .failure(UnavailableError(.noCheckpointOfSecondSize))
            }
            second = newest
        }
        guard firstSize <= second.treeSize else { return .failure(UnavailableError(.sizesOutOfOrder)) }
        guard let first = try await Self.checkpoint(size: firstSize, in: store) else {
            return .failure(UnavailableError(.noCheckpointOfFirstSize))
        }
        let leaves = try await AuditMerkleTree.storedLeafHashes(count: second.treeSize, in: store)
        let path = AuditMerkleTree.consistencyProof(oldSize: Int(first.treeSize), leaves: leaves[...])
        guard leaves.count == second.treeSize,
            AuditMerkleTree.verifyConsistency(
                oldSize: first.treeSize, newSize: second.treeSize, oldRoot: first.rootHash, newRoot: second.rootHash,
                proof: path
            )
        else { throw AuditError(.invalidValue, "the stored tree does not match its checkpoints; run audit verify") }
        return .success(
            AuditConsistencyProof(
                first: AuditInclusionProof.Checkpoint(first), second: AuditInclusionProof.Checkpoint(second),
                path: path.map { Data($0).base64EncodedString() }, publicKey: publicKey.description
            )
        )
    }

    /// The stored checkpoint of exactly `size` leaves.
    private static func checkpoint(size: Int64, in store: any TesseraStore) async throws -> AuditCheckpointRecord? {
        guard size >= 1 else { return nil }
        return try await store.auditCheckpoints(after: size - 1, limit: 1).first { $0.treeSize == size }
    }

    /// The proof as pretty, key-sorted JSON.
    public var json: String { AuditProofJSON.encode(self) }
}
