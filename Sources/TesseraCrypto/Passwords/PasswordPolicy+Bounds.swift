extension PasswordPolicy {
    /// The limits on Argon2 parameters, applied to the policy and to every PHC string before any work.
    ///
    /// A stored hash is attacker-influenced input (an imported database, a tampered row): without limits a
    /// string such as `m=4294967295` would make the service allocate 4 TiB. The defaults accept every sensible
    /// imported hash (up to 256 MiB, 10 passes, 16 lanes, and a cost — memory × passes — of at most 1 GiB-pass,
    /// e.g. 256 MiB × 4 or 64 MiB × 16) and refuse the rest with ``CryptoError/Code/parametersOutOfBounds``. The
    /// cost bound is what stops a caller from making every verify the most expensive one each single bound allows
    /// (256 MiB × 10 passes: seconds of a core and 256 MiB per call). The minimums are Argon2's own: at least 8 KiB per lane
    /// and one pass.
    public struct Bounds: Sendable, Hashable {
        /// The defaults: m ≤ 262144 KiB (256 MiB), t ≤ 10, p ≤ 16, m × t ≤ 1048576 KiB-passes, salt 8…64 bytes,
        /// hash 16…64 bytes.
        public static let `default` = Bounds(
            unchecked: 262_144, maxIterations: 10, maxParallelism: 16, maxCost: 1_048_576, saltLength: 8...64,
            hashLength: 16...64
        )

        /// The largest salt or hash length any bounds may allow, which also caps a PHC string's length.
        public static let largestByteLength = 128

        /// The most memory a hash may use, in KiB.
        public let maxMemoryKiB: Int
        /// The most passes a hash may make.
        public let maxIterations: Int
        /// The most lanes a hash may use.
        public let maxParallelism: Int
        /// The most work a hash may take: memory in KiB × passes. (Lanes add no work: they split the memory, and
        /// the hasher runs them on its own worker thread.)
        public let maxCost: Int
        /// The accepted salt lengths in bytes.
        public let saltLength: ClosedRange<Int>
        /// The accepted hash lengths in bytes.
        public let hashLength: ClosedRange<Int>

        /// Creates bounds.
        ///
        /// - Parameters:
        ///   - maxMemoryKiB: The most memory per hash, in KiB (at least 8; at most 4 TiB, libargon2's limit).
        ///   - maxIterations: The most passes (at least 1).
        ///   - maxParallelism: The most lanes (1…16777215).
        ///   - maxCost: The most memory (KiB) × passes (at least 8).
        ///   - saltLength: Accepted salt lengths (within 8…128; libargon2's minimum is 8).
        ///   - hashLength: Accepted hash lengths (within 4…128; libargon2's minimum is 4).
        /// - Throws: ``CryptoError/Code/invalidParameter`` when a limit is outside the ranges above.
        public init(
            maxMemoryKiB: Int = 262_144,
            maxIterations: Int = 10,
            maxParallelism: Int = 16,
            maxCost: Int = 1_048_576,
            saltLength: ClosedRange<Int> = 8...64,
            hashLength: ClosedRange<Int> = 16...64
        ) throws {
            guard (8...(1 << 32) - 1).contains(maxMemoryKiB), (1...(1 << 32) - 1).contains(maxIterations),
                (1...0xFF_FFFF).contains(maxParallelism), maxCost >= 8, saltLength.lowerBound >= 8,
                saltLength.upperBound <= Self.largestByteLength, hashLength.lowerBound >= 4,
                hashLength.upperBound <= Self.largestByteLength
            else {
                throw CryptoError(.invalidParameter, "Argon2 bounds outside what the libraries support")
            }
            self.init(
                unchecked: maxMemoryKiB, maxIterations: maxIterations, maxParallelism: maxParallelism,
                maxCost: maxCost, saltLength: saltLength, hashLength: hashLength
            )
        }

        private init(
            unchecked maxMemoryKiB: Int,
            maxIterations: Int,
            maxParallelism: Int,
            maxCost: Int,
            saltLength: ClosedRange<Int>,
            hashLength: ClosedRange<Int>
        ) {
            self.maxMemoryKiB = maxMemoryKiB
            self.maxIterations = maxIterations
            self.maxParallelism = maxParallelism
            self.maxCost = maxCost
            self.saltLength = saltLength
            self.hashLength = hashLength
        }

        /// Checks one set of parameters; cheap, and always done before any Argon2 work.
        ///
        /// - Throws: ``CryptoError/Code/parametersOutOfBounds`` naming the first parameter out of range.
        func check(memoryKiB: Int, iterations: Int, parallelism: Int, saltLength: Int, hashLength: Int) throws {
            guard (1...maxParallelism).contains(parallelism) else {
                throw CryptoError(.parametersOutOfBounds, "parallelism must lie within 1...\(maxParallelism)")
            }
            let minimumMemory = 8 * parallelism
            guard minimumMemory <= maxMemoryKiB, (minimumMemory...maxMemoryKiB).contains(memoryKiB) else {
                throw CryptoError(
                    .parametersOutOfBounds, "memory cost must lie within \(minimumMemory)...\(maxMemoryKiB) KiB"
                )
            }
            guard (1...maxIterations).contains(iterations) else {
                throw CryptoError(.parametersOutOfBounds, "iterations must lie within 1...\(maxIterations)")
            }
            let (cost, overflow) = memoryKiB.multipliedReportingOverflow(by: iterations)
            guard !overflow, cost <= maxCost else {
                throw CryptoError(
                    .parametersOutOfBounds, "memory cost × iterations must be at most \(maxCost) KiB-passes"
                )
            }
            guard self.saltLength.contains(saltLength) else {
                throw CryptoError(.parametersOutOfBounds, "salt length must lie within \(self.saltLength) bytes")
            }
            guard self.hashLength.contains(hashLength) else {
                throw CryptoError(.parametersOutOfBounds, "hash length must lie within \(self.hashLength) bytes")
            }
        }
    }
}
