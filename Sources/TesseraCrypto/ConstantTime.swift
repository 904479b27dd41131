internal import CTesseraSodium

/// Comparisons of secret values whose running time does not depend on where the inputs differ.
public enum ConstantTime {
    /// Compares two byte sequences in constant time with respect to their contents.
    ///
    /// The lengths are not secret (digests, codes and tags have public lengths), so sequences of different
    /// lengths return `false` at once.
    ///
    /// - Parameters:
    ///   - lhs: The first sequence.
    ///   - rhs: The second sequence.
    /// - Returns: `true` when both hold the same bytes.
    public static func equals<L: Collection<UInt8>, R: Collection<UInt8>>(_ lhs: L, _ rhs: R) -> Bool {
        guard lhs.count == rhs.count else { return false }
        if let result = lhs.withContiguousStorageIfAvailable({ equalsContiguous($0, rhs) }) {
            return result
        }
        return Array(lhs).withUnsafeBufferPointer { equalsContiguous($0, rhs) }
    }

    private static func equalsContiguous<R: Collection<UInt8>>(_ lhs: UnsafeBufferPointer<UInt8>, _ rhs: R) -> Bool {
        if let result = rhs.withContiguousStorageIfAvailable({ rhsBuffer in
            tessera_memcmp(lhs.baseAddress, rhsBuffer.baseAddress, lhs.count) == 0
        }) {
            return result
        }
        let copy = Array(rhs)
        return copy.withUnsafeBufferPointer { tessera_memcmp(lhs.baseAddress, $0.baseAddress, lhs.count) == 0 }
    }

    /// Compares two strings' UTF-8 bytes in constant time (for codes and encoded tokens), in place: native strings
    /// lend their contiguous UTF-8 storage, so the secret is not copied into a buffer nobody wipes.
    public static func equals(_ lhs: String, _ rhs: String) -> Bool {
        var lhs = lhs
        var rhs = rhs
        return lhs.withUTF8 { left in rhs.withUTF8 { right in equals(left, right) } }
    }
}
