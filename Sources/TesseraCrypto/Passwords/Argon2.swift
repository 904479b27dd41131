/// Argon2 (RFC 9106), the memory-hard function behind Tessera's password hashes.
///
/// This namespace holds the vocabulary shared by ``PasswordPolicy``, ``PHCString`` and ``PasswordHasher`` (the
/// variant, the version, the engine) and a raw entry point, `Argon2.computeRaw(engine:…)`, that calls the C
/// libraries directly on the calling thread. Applications hash passwords through
/// ``PasswordHasher``; the raw entry point exists for known-answer tests and for benchmarks that compare
/// Tessera's asynchronous API with the bare C call.
public enum Argon2 {
    /// An Argon2 variant Tessera hashes or verifies.
    ///
    /// Argon2d is deliberately absent: its data-dependent memory access leaks through side channels, and no
    /// password store should hold it. PHC strings naming it are refused with ``CryptoError/Code/unsupportedAlgorithm``.
    public enum Variant: String, Sendable, Hashable, CaseIterable {
        /// Argon2id: data-independent first half pass, then data-dependent. RFC 9106's recommendation.
        case argon2id
        /// Argon2i: data-independent memory access throughout. Verified for imported hashes; may also be chosen.
        case argon2i

        /// The `argon2_type` number libargon2 uses (Argon2i = 1, Argon2id = 2).
        var libargon2Type: Int32 {
            switch self {
            case .argon2i: 1
            case .argon2id: 2
            }
        }
    }

    /// An Argon2 version: 0x13 (1.3, current) or 0x10 (1.0, still found in old hashes).
    public enum Version: UInt32, Sendable, Hashable, CaseIterable {
        /// Version 1.0 (`v=16` in a PHC string, or no `v=` field at all, as the reference implementation reads it).
        case v10 = 0x10
        /// Version 1.3 (`v=19`), the only version Tessera writes.
        case v13 = 0x13
    }

    /// The C implementation that computes a hash.
    ///
    /// Both compute the same function (libsodium embeds the reference code); they differ in speed and in what
    /// they accept. ``PasswordHasher`` picks ``preferredEngine`` when it applies and falls back to libargon2.
    public enum Engine: String, Sendable, Hashable, CaseIterable {
        /// libsodium's `crypto_pwhash`: one lane only, version 0x13, a 16-byte salt, no secret or associated
        /// data, at least 16 output bytes, Argon2id with t ≥ 1 or Argon2i with t ≥ 3.
        case libsodium
        /// The reference implementation's `argon2_ctx`: every parameter RFC 9106 defines.
        case libargon2
    }

    /// The engine Tessera uses whenever it applies.
    ///
    /// Chosen by measurement at the default policy (m = 19456 KiB, t = 2, p = 1, 32-byte hash) on the development
    /// machine (2 shared cores, x86-64 with AVX-512, Debian 12's libsodium 1.0.18 and libargon2 20171227), 25
    /// interleaved runs each, three sessions under load: libsodium took 34.5–36.5 ms at best and 45–60 ms at the
    /// median, libargon2 41.5–49 ms at best and 54–77 ms at the median. libsodium picks an AVX-512 or AVX2
    /// kernel at run time; Debian's libargon2 build uses SSE only. Re-measure when the platform changes.
    public static let preferredEngine: Engine = .libsodium

    /// Whether `engine` can compute a hash with these parameters.
    ///
    /// - Parameters:
    ///   - engine: The engine asked about.
    ///   - variant: Argon2id or Argon2i.
    ///   - version: The Argon2 version.
    ///   - memoryKiB: Memory cost in KiB.
    ///   - iterations: Time cost (passes).
    ///   - parallelism: Lanes.
    ///   - saltLength: Salt length in bytes.
    ///   - hashLength: Output length in bytes.
    ///   - hasSecretOrAssociatedData: Whether a secret (K) or associated data (X) is supplied.
    /// - Returns: `true` when `engine` accepts every parameter.
    public static func engine(
        _ engine: Engine,
        supports variant: Variant,
        version: Version,
        memoryKiB: Int,
        iterations: Int,
        parallelism: Int,
        saltLength: Int,
        hashLength: Int,
        hasSecretOrAssociatedData: Bool = false
    ) -> Bool {
        switch engine {
        case .libargon2:
            return true
        case .libsodium:
            let minimumIterations = variant == .argon2i ? 3 : 1
            return parallelism == 1 && version == .v13 && saltLength == 16 && !hasSecretOrAssociatedData
                && iterations >= minimumIterations && hashLength >= 16 && memoryKiB >= 8
        }
    }
}
