import NIOCore

extension PasswordHasher {
    /// How a ``PasswordHasher`` hashes, verifies and schedules its work.
    public struct Configuration: Sendable {
        /// The parameters for new hashes and the bounds for verified ones. Default: ``PasswordPolicy/default``.
        public var policy: PasswordPolicy
        /// The pepper for new hashes, or `nil` for none (the default).
        public var pepper: Pepper?
        /// Older peppers still accepted when verifying, so peppers can rotate; hashes made with them report
        /// `needsRehash`. Default: none.
        public var retiredPeppers: [Pepper]
        /// Worker threads running Argon2. Default: the number of cores.
        public var workers: Int
        /// Jobs admitted beyond those running on a worker; once `workers + maxQueued` jobs are in flight, further
        /// calls fail at once with ``CryptoError/Code/overloaded``. Default: four per worker.
        public var maxQueued: Int

        /// Creates a configuration.
        ///
        /// - Parameters:
        ///   - policy: The hashing policy.
        ///   - pepper: The pepper for new hashes.
        ///   - retiredPeppers: Older peppers accepted when verifying.
        ///   - workers: Worker threads (at least 1); `nil` means one per core.
        ///   - maxQueued: Jobs that may wait for a worker (at least 0); `nil` means `4 × workers`.
        public init(
            policy: PasswordPolicy = .default,
            pepper: Pepper? = nil,
            retiredPeppers: [Pepper] = [],
            workers: Int? = nil,
            maxQueued: Int? = nil
        ) {
            let workers = workers ?? System.coreCount
            self.policy = policy
            self.pepper = pepper
            self.retiredPeppers = retiredPeppers
            self.workers = workers
            self.maxQueued = maxQueued ?? 4 * workers
        }
    }
}
