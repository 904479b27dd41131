internal import CTesseraSodium

/// Randomness from the operating system's CSPRNG (`getrandom(2)` on Linux, through libsodium), and nothing else.
public enum SecureRandom {
    /// Returns `count` random bytes in an ordinary array; for key material use ``SecretBytes/random(count:)``.
    ///
    /// - Parameter count: How many bytes to return; zero gives an empty array.
    /// - Returns: Bytes drawn from the OS CSPRNG.
    public static func bytes(count: Int) -> [UInt8] {
        precondition(count >= 0, "a byte count cannot be negative")
        Sodium.ensureInitialised()
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { tessera_randombytes($0.baseAddress, $0.count) }
        return out
    }

    /// Fills an existing buffer with random bytes from the OS CSPRNG.
    ///
    /// - Parameter buffer: The memory to overwrite.
    public static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        Sodium.ensureInitialised()
        tessera_randombytes(buffer.baseAddress, buffer.count)
    }
}
