/// The Argon2 parameters Tessera hashes new passwords with, and the limits of what it accepts.
///
/// The defaults are OWASP's Argon2id recommendation (m = 19456 KiB, t = 2, p = 1) with a 16-byte salt and a
/// 32-byte hash, which is also the shape libsodium's fast path handles. Every value is checked against
/// ``bounds`` when the policy is made, so a misconfigured service fails at start-up rather than at the first
/// login; the same bounds cap what a stored PHC string may ask for before any memory is allocated.
///
/// Password rules, for hashing and verifying alike: the password is normalised to Unicode NFKC first (so NFC,
/// NFD and compatibility spellings of the same text match); it must be non-empty and at most
/// ``maxPasswordBytes`` UTF-8 bytes *after* normalisation; and it must not contain U+0000 (NUL), which
/// C-string based systems truncate at, so such a password could not be carried portably. Violations throw
/// ``CryptoError/Code/invalidPassword``.
///
/// ```swift
/// let policy = try PasswordPolicy(memoryKiB: 47_104, iterations: 1)  // OWASP's other m/t trade-off
/// ```
public struct PasswordPolicy: Sendable, Hashable {
    /// OWASP's recommended Argon2id parameters: m = 19456 KiB, t = 2, p = 1, 16-byte salt, 32-byte hash.
    public static let `default` = PasswordPolicy(
        unchecked: .argon2id, memoryKiB: 19_456, iterations: 2, parallelism: 1, saltLength: 16, hashLength: 32,
        maxPasswordBytes: 1024, bounds: .default
    )

    /// The variant new hashes use (Argon2id unless there is a reason otherwise).
    public let algorithm: Argon2.Variant
    /// Memory cost in KiB (`m`).
    public let memoryKiB: Int
    /// Time cost, the number of passes over memory (`t`).
    public let iterations: Int
    /// Degree of parallelism, the number of lanes (`p`).
    public let parallelism: Int
    /// Length in bytes of the random salt drawn for each new hash.
    public let saltLength: Int
    /// Length in bytes of the hash (tag).
    public let hashLength: Int
    /// The longest password accepted, in UTF-8 bytes after NFKC normalisation.
    public let maxPasswordBytes: Int
    /// What this policy, and any PHC string verified under it, must stay within.
    public let bounds: Bounds

    /// Creates a policy and checks it against `bounds`.
    ///
    /// - Parameters:
    ///   - algorithm: The Argon2 variant for new hashes.
    ///   - memoryKiB: Memory cost in KiB.
    ///   - iterations: Time cost.
    ///   - parallelism: Lanes.
    ///   - saltLength: Salt length in bytes.
    ///   - hashLength: Hash length in bytes.
    ///   - maxPasswordBytes: The longest password accepted, in UTF-8 bytes after normalisation (1…65536).
    ///   - bounds: The limits the policy and verified hashes must respect.
    /// - Throws: ``CryptoError/Code/parametersOutOfBounds`` when a parameter lies outside `bounds` (or
    ///   `maxPasswordBytes` outside 1…65536).
    public init(
        algorithm: Argon2.Variant = .argon2id,
        memoryKiB: Int = 19_456,
        iterations: Int = 2,
        parallelism: Int = 1,
        saltLength: Int = 16,
        hashLength: Int = 32,
        maxPasswordBytes: Int = 1024,
        bounds: Bounds = .default
    ) throws {
        try bounds.check(
            memoryKiB: memoryKiB, iterations: iterations, parallelism: parallelism, saltLength: saltLength,
            hashLength: hashLength
        )
        guard (1...65_536).contains(maxPasswordBytes) else {
            throw CryptoError(.parametersOutOfBounds, "maxPasswordBytes must lie within 1...65536")
        }
        self.init(
            unchecked: algorithm, memoryKiB: memoryKiB, iterations: iterations, parallelism: parallelism,
            saltLength: saltLength, hashLength: hashLength, maxPasswordBytes: maxPasswordBytes, bounds: bounds
        )
    }

    private init(
        unchecked algorithm: Argon2.Variant,
        memoryKiB: Int,
        iterations: Int,
        parallelism: Int,
        saltLength: Int,
        hashLength: Int,
        maxPasswordBytes: Int,
        bounds: Bounds
    ) {
        self.algorithm = algorithm
        self.memoryKiB = memoryKiB
        self.iterations = iterations
        self.parallelism = parallelism
        self.saltLength = saltLength
        self.hashLength = hashLength
        self.maxPasswordBytes = maxPasswordBytes
        self.bounds = bounds
    }
}
