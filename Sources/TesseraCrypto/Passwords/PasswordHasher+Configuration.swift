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
        /// Whether each worker thread lowers its own scheduling priority (Linux: its nice value raised by 10, to
        /// 19 at most, and `SCHED_BATCH`) before its first job. Argon2 is batch work that takes whatever CPU is
        /// left; lowered, it no longer delays the event loops that answer health checks, seals and refusals while
        /// every core hashes. The cost: when other work in the process or on the machine keeps every core busy,
        /// hashing gets a small share of the CPU, its queue fills, and further hashes are refused with
        /// ``CryptoError/Code/overloaded`` rather than slowing that work down. No effect on other platforms.
        /// Default: `true`.
        public var lowersWorkerPriority: Bool
        /// The Argon2 memory the admitted jobs (running and queued) may need together, in KiB; a job that would
        /// go past it is refused with ``CryptoError/Code/overloaded``, like one past `workers + maxQueued`, except
        /// that a job alone is always admitted. `nil` (the default) means ``effectiveMaxAdmittedMemoryKiB``'s
        /// rule: room for every slot at the policy's memory, and at least one hash at the bounds' largest.
        public var maxAdmittedMemoryKiB: Int?
        /// When ``PasswordVerification/needsRehash`` is true: ``RehashRule/whenWeaker`` (the default: a stronger
        /// stored hash is never replaced by a weaker one) or ``RehashRule/unlessExact``.
        public var rehashRule: RehashRule

        /// The memory limit in force: ``maxAdmittedMemoryKiB``, or `max((workers + maxQueued) × policy memory,
        /// bounds' maxMemoryKiB)` — with the defaults on two cores, 10 × 19 MiB = 190 MiB, raised to 256 MiB.
        public var effectiveMaxAdmittedMemoryKiB: Int {
            if let maxAdmittedMemoryKiB { return maxAdmittedMemoryKiB }
            let (slots, slotsOverflow) = workers.addingReportingOverflow(maxQueued)
            let (memory, memoryOverflow) = slots.multipliedReportingOverflow(by: policy.memoryKiB)
            if slotsOverflow || memoryOverflow { return .max }
            return max(memory, policy.bounds.maxMemoryKiB)
        }

        /// Creates a configuration.
        ///
        /// - Parameters:
        ///   - policy: The hashing policy.
        ///   - pepper: The pepper for new hashes.
        ///   - retiredPeppers: Older peppers accepted when verifying.
        ///   - workers: Worker threads (at least 1); `nil` means one per core.
        ///   - maxQueued: Jobs that may wait for a worker (at least 0); `nil` means `4 × workers`.
        ///   - lowersWorkerPriority: Whether the workers run at a lowered scheduling priority.
        ///   - maxAdmittedMemoryKiB: The memory admitted jobs may need together; `nil` for the default rule.
        ///   - rehashRule: When a verified hash should be replaced.
        public init(
            policy: PasswordPolicy = .default,
            pepper: Pepper? = nil,
            retiredPeppers: [Pepper] = [],
            workers: Int? = nil,
            maxQueued: Int? = nil,
            lowersWorkerPriority: Bool = true,
            maxAdmittedMemoryKiB: Int? = nil,
            rehashRule: RehashRule = .whenWeaker
        ) {
            let workers = workers ?? System.coreCount
            self.policy = policy
            self.pepper = pepper
            self.retiredPeppers = retiredPeppers
            self.workers = workers
            self.maxQueued = maxQueued ?? 4 * workers
            self.lowersWorkerPriority = lowersWorkerPriority
            self.maxAdmittedMemoryKiB = maxAdmittedMemoryKiB
            self.rehashRule = rehashRule
        }
    }
}
