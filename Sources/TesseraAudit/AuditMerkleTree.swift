internal import Crypto

/// The Merkle tree of RFC 9162 (Certificate Transparency 2.0, section 2.1) over the audit log's leaves.
///
/// `leaf hash = SHA-256(0x00 || canonical entry)`, `node hash = SHA-256(0x01 || left || right)`, and the hash of
/// `n > 1` leaves splits them at the largest power of two below `n`. Inclusion proofs follow RFC 9162 §2.1.3 and
/// consistency proofs §2.1.4, so any checker written from the RFC verifies them.
public enum AuditMerkleTree {
    /// The hash of the empty tree: SHA-256 of no bytes.
    public static let emptyRoot: [UInt8] = Array(SHA256.hash(data: [UInt8]()))

    /// The leaf hash of an entry's canonical bytes.
    /// - Parameter canonical: ``AuditCanonicalForm`` bytes.
    /// - Returns: 32 bytes.
    public static func leafHash(_ canonical: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: [0])
        hasher.update(data: canonical)
        return Array(hasher.finalize())
    }

    /// The hash of an interior node.
    /// - Parameters:
    ///   - left: The left child's hash.
    ///   - right: The right child's hash.
    /// - Returns: 32 bytes.
    public static func nodeHash(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: [1])
        hasher.update(data: left)
        hasher.update(data: right)
        return Array(hasher.finalize())
    }

    /// The root of a list of leaf hashes (MTH in RFC 9162).
    /// - Parameter leaves: Leaf hashes.
    /// - Returns: The root.
    public static func root(_ leaves: ArraySlice<[UInt8]>) -> [UInt8] {
        var frontier = AuditMerkleFrontier()
        for leaf in leaves { frontier.append(leaf) }
        return frontier.root
    }

    /// The inclusion proof of leaf `index` in the tree of `leaves` (PATH in RFC 9162 §2.1.3.1).
    /// - Parameters:
    ///   - index: The leaf, below `leaves.count`.
    ///   - leaves: Every leaf hash of the tree.
    /// - Returns: The sibling hashes, nearest the leaf first.
    public static func inclusionProof(index: Int, leaves: ArraySlice<[UInt8]>) -> [[UInt8]] {
        guard leaves.count > 1 else { return [] }
        let split = largestPowerOfTwo(below: leaves.count)
        let start = leaves.startIndex
        if index < split {
            return inclusionProof(index: index, leaves: leaves[start..<start + split])
                + [root(leaves[(start + split)...])]
        }
        return inclusionProof(index: index - split, leaves: leaves[(start + split)...])
            + [root(leaves[start..<start + split])]
    }

    /// Verifies an inclusion proof (RFC 9162 §2.1.3.2).
    /// - Parameters:
    ///   - leafHash: The leaf's hash.
    ///   - index: The leaf's index.
    ///   - treeSize: The tree's size.
    ///   - proof: The sibling hashes.
    ///   - root: The tree's root.
    /// - Returns: True when the proof leads from the leaf to the root.
    public static func verifyInclusion(
        leafHash: [UInt8], index: Int64, treeSize: Int64, proof: [[UInt8]], root: [UInt8]
    ) -> Bool {
        guard index >= 0, index < treeSize else { return false }
        var fn = UInt64(index)
        var sn = UInt64(treeSize - 1)
        var hash = leafHash
        for sibling in proof {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                hash = nodeHash(sibling, hash)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                hash = nodeHash(hash, sibling)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && hash == root
    }

    /// The consistency proof between the tree of the first `oldSize` leaves and the tree of all `leaves` (PROOF in
    /// RFC 9162 §2.1.4.1): the hashes that show the larger tree holds the smaller one unchanged as its prefix.
    /// - Parameters:
    ///   - oldSize: The smaller tree's size, from 1 to `leaves.count`.
    ///   - leaves: Every leaf hash of the larger tree.
    /// - Returns: The proof's hashes (empty when the sizes are equal).
    public static func consistencyProof(oldSize: Int, leaves: ArraySlice<[UInt8]>) -> [[UInt8]] {
        guard oldSize > 0, oldSize < leaves.count else { return [] }
        return subproof(oldSize, leaves, complete: true)
    }

    /// SUBPROOF of RFC 9162 §2.1.4.1: `complete` says whether the subtree of the first `m` leaves is one whose
    /// hash the verifier already knows (the old root), so it need not be sent.
    private static func subproof(_ m: Int, _ leaves: ArraySlice<[UInt8]>, complete: Bool) -> [[UInt8]] {
        if m == leaves.count {
            return complete ? [] : [root(leaves)]
        }
        let split = largestPowerOfTwo(below: leaves.count)
        let start = leaves.startIndex
        if m <= split {
            return subproof(m, leaves[start..<start + split], complete: complete) + [root(leaves[(start + split)...])]
        }
        return subproof(m - split, leaves[(start + split)...], complete: false) + [root(leaves[start..<start + split])]
    }

    /// Verifies a consistency proof (RFC 9162 §2.1.4.2): that the tree of `newSize` leaves with root `newRoot`
    /// begins with the tree of `oldSize` leaves with root `oldRoot`.
    /// - Parameters:
    ///   - oldSize: The smaller tree's size (at least 1).
    ///   - newSize: The larger tree's size (at least `oldSize`).
    ///   - oldRoot: The smaller tree's root.
    ///   - newRoot: The larger tree's root.
    ///   - proof: The proof's hashes.
    /// - Returns: True when the proof shows the larger tree extends the smaller one.
    public static func verifyConsistency(
        oldSize: Int64, newSize: Int64, oldRoot: [UInt8], newRoot: [UInt8], proof: [[UInt8]]
    ) -> Bool {
        guard oldSize >= 1, newSize >= oldSize else { return false }
        if oldSize == newSize { return proof.isEmpty && oldRoot == newRoot }
        var path = proof
        if oldSize.nonzeroBitCount == 1 { path.insert(oldRoot, at: 0) }
        guard let first = path.first else { return false }
        var fn = UInt64(oldSize - 1)
        var sn = UInt64(newSize - 1)
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = first
        var sr = first
        for sibling in path.dropFirst() {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                fr = nodeHash(sibling, fr)
                sr = nodeHash(sibling, sr)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                sr = nodeHash(sr, sibling)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && fr == oldRoot && sr == newRoot
    }

    /// The largest power of two strictly below `n` (n ≥ 2).
    static func largestPowerOfTwo(below n: Int) -> Int {
        var k = 1
        while k << 1 < n { k <<= 1 }
        return k
    }
}

/// The compact state of a growing Merkle tree: the roots of its perfect subtrees, left to right (at most one per
/// bit of the size), from which the root and the next state follow without the leaves.
public struct AuditMerkleFrontier: Sendable, Hashable {
    /// How many leaves the tree holds.
    public private(set) var size: Int64 = 0
    /// The perfect subtrees' roots, largest (leftmost) first.
    public private(set) var hashes: [[UInt8]] = []

    /// The empty tree.
    public init() {}

    /// Restores a frontier from its stored form, or nil when the bytes cannot be the frontier of `size` leaves.
    /// - Parameters:
    ///   - size: The tree's size.
    ///   - stored: The concatenated 32-byte hashes (``serialized``).
    public init?(size: Int64, stored: [UInt8]) {
        guard size >= 0, stored.count == size.nonzeroBitCount * 32 else { return nil }
        self.size = size
        self.hashes = stride(from: 0, to: stored.count, by: 32).map { Array(stored[$0..<$0 + 32]) }
    }

    /// Appends a leaf hash.
    /// - Parameter leafHash: The leaf's hash.
    public mutating func append(_ leafHash: [UInt8]) {
        var hash = leafHash
        var count = size
        while count & 1 == 1, let left = hashes.popLast() {
            hash = AuditMerkleTree.nodeHash(left, hash)
            count >>= 1
        }
        hashes.append(hash)
        size += 1
    }

    /// The tree's root (the empty tree's hash when no leaf was appended).
    public var root: [UInt8] {
        guard var hash = hashes.last else { return AuditMerkleTree.emptyRoot }
        for left in hashes.dropLast().reversed() {
            hash = AuditMerkleTree.nodeHash(left, hash)
        }
        return hash
    }

    /// The hashes concatenated, for storage with a checkpoint.
    public var serialized: [UInt8] { hashes.flatMap { $0 } }
}
