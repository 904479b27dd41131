import NIOCore
import NIOPosix
import Synchronization

/// Hashes and verifies passwords with Argon2 on a dedicated thread pool, behind bounded admission.
///
/// ```swift
/// let hasher = try PasswordHasher()
/// let stored = try await hasher.hash("correct horse battery staple")
/// let result = try await hasher.verify("correct horse battery staple", against: stored)
/// if result.isValid && result.needsRehash { /* store try await hasher.hash(password) */ }
/// try await hasher.shutdown()
/// ```
///
/// Argon2 is deliberately slow and blocks a thread for tens of milliseconds, so it never runs on the caller's
/// thread (an event loop or the cooperative pool): it runs on an `NIOThreadPool` with ``Configuration/workers``
/// threads. At most `workers + maxQueued` jobs are admitted at once; beyond that ``hash(_:)`` and
/// ``verify(_:against:)`` throw ``CryptoError/Code/overloaded`` immediately rather than queue without bound.
/// Input is validated before admission — password rules (see ``PasswordPolicy``), PHC syntax, parameter
/// bounds, pepper — so garbage never occupies a worker.
///
/// Call ``shutdown()`` when done (or use ``withHasher(configuration:isolation:_:)``); a hasher released without
/// it shuts its threads down in the background.
public final class PasswordHasher: Sendable {
    /// What this hasher was made with.
    public let configuration: Configuration

    private let core: PasswordHashingCore
    private let pool: NIOThreadPool
    private let gate: AdmissionGate
    /// Where finished jobs are handed back to their callers (see `runAdmitted`).
    private let resultLoop: any EventLoop
    private let isShutDown = Mutex(false)

    /// Creates a hasher and starts its worker threads.
    ///
    /// - Parameter configuration: Policy, pepper and scheduling.
    /// - Throws: ``CryptoError/Code/invalidParameter`` when `workers < 1`, `maxQueued < 0`, or two peppers
    ///   share an id.
    public init(configuration: Configuration = Configuration()) throws {
        guard configuration.workers >= 1, configuration.workers <= 1024, configuration.maxQueued >= 0 else {
            throw CryptoError(.invalidParameter, "workers must lie within 1...1024 and maxQueued must be >= 0")
        }
        let ids = ([configuration.pepper].compactMap { $0 } + configuration.retiredPeppers).map(\.id)
        guard Set(ids).count == ids.count else {
            throw CryptoError(.invalidParameter, "pepper ids must be distinct")
        }
        self.configuration = configuration
        self.core = PasswordHashingCore(
            policy: configuration.policy, pepper: configuration.pepper, retiredPeppers: configuration.retiredPeppers,
            rehashRule: configuration.rehashRule
        )
        let (limit, overflow) = configuration.workers.addingReportingOverflow(configuration.maxQueued)
        self.gate = AdmissionGate(
            limit: overflow ? Int.max : limit, memoryLimitKiB: configuration.effectiveMaxAdmittedMemoryKiB
        )
        self.resultLoop = MultiThreadedEventLoopGroup.singleton.any()
        self.pool = NIOThreadPool(numberOfThreads: configuration.workers)
        self.pool.start()
    }

    /// Runs `body` with a new hasher and shuts the hasher down afterwards, whether `body` returns or throws.
    ///
    /// - Parameters:
    ///   - configuration: Policy, pepper and scheduling.
    ///   - isolation: The caller's actor isolation, inherited by `body`.
    ///   - body: Work that uses the hasher.
    /// - Returns: What `body` returns.
    /// - Throws: What `init(configuration:)` or `body` throws.
    public static func withHasher<Result>(
        configuration: Configuration = Configuration(),
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PasswordHasher) async throws -> Result
    ) async throws -> Result {
        let hasher = try PasswordHasher(configuration: configuration)
        let result: Result
        do {
            result = try await body(hasher)
        } catch {
            try? await hasher.shutdown()
            throw error
        }
        try await hasher.shutdown()
        return result
    }

    deinit {
        let needsShutdown = isShutDown.withLock { !$0 }
        if needsShutdown {
            pool.shutdownGracefully { _ in }
        }
    }

    /// Hashes a password under the current policy (and pepper) on the worker pool.
    ///
    /// - Parameter password: The password as typed; it is NFKC-normalised first.
    /// - Returns: A PHC string such as `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`.
    /// - Throws: ``CryptoError/Code/invalidPassword`` for an empty, over-long or NUL-containing password,
    ///   ``CryptoError/Code/overloaded`` when the queue is full, ``CryptoError/Code/internalFailure`` when the
    ///   hasher is shut down or the C library fails, `CancellationError` when cancelled while queued.
    public func hash(_ password: String) async throws -> String {
        let job = try core.prepareHash(password)
        return try await runAdmitted(memoryKiB: configuration.policy.memoryKiB) { try job.run() }
    }

    /// Checks a password against a stored PHC string on the worker pool.
    ///
    /// Any well-formed Argon2id or Argon2i hash (version 16 or 19) within the policy's bounds verifies, whatever
    /// its parameters, so imported hashes keep working; ``PasswordVerification/needsRehash`` says when it
    /// differs from the current policy. Digests are compared in constant time.
    ///
    /// - Parameters:
    ///   - password: The password as typed; it is NFKC-normalised first.
    ///   - phc: The stored hash.
    /// - Returns: Whether the password matches, and whether the hash should be upgraded.
    /// - Throws: ``CryptoError/Code/malformedHash``, ``CryptoError/Code/unsupportedAlgorithm``,
    ///   ``CryptoError/Code/parametersOutOfBounds`` or ``CryptoError/Code/pepperMismatch`` for an unusable
    ///   hash (before any work), ``CryptoError/Code/invalidPassword``, ``CryptoError/Code/overloaded``, or
    ///   ``CryptoError/Code/internalFailure``. A wrong password is not an error.
    public func verify(_ password: String, against phc: String) async throws -> PasswordVerification {
        let job = try core.prepareVerify(password, against: phc)
        return try await runAdmitted(memoryKiB: job.phc.memoryKiB) { try job.run() }
    }

    /// Hashes a password synchronously on the calling thread, outside the pool and its admission limit.
    ///
    /// For command-line tools and scripts; a server uses ``hash(_:)``.
    ///
    /// - Parameter password: The password as typed.
    /// - Returns: A PHC string.
    /// - Throws: As ``hash(_:)``, except `overloaded`.
    public func hashSync(_ password: String) throws -> String {
        try core.prepareHash(password).run()
    }

    /// Verifies a password synchronously on the calling thread, outside the pool and its admission limit.
    ///
    /// For command-line tools and scripts; a server uses ``verify(_:against:)``.
    ///
    /// - Parameters:
    ///   - password: The password as typed.
    ///   - phc: The stored hash.
    /// - Returns: Whether the password matches, and whether the hash should be upgraded.
    /// - Throws: As ``verify(_:against:)``, except `overloaded`.
    public func verifySync(_ password: String, against phc: String) throws -> PasswordVerification {
        try core.prepareVerify(password, against: phc).run()
    }

    /// Whether a stored hash differs from the current policy (algorithm, version, costs, lengths, pepper).
    ///
    /// - Parameter phc: The stored hash.
    /// - Returns: `true` when it should be replaced on the next successful login.
    /// - Throws: The parsing errors of ``PHCString/init(parsing:bounds:)``.
    public func needsRehash(_ phc: String) throws -> Bool {
        core.needsRehash(try PHCString(parsing: phc, bounds: configuration.policy.bounds))
    }

    /// Stops the worker threads once the jobs already running finish; later calls fail.
    ///
    /// Jobs still waiting for a worker are not run: their callers get ``CryptoError/Code/internalFailure``.
    ///
    /// - Throws: What `NIOThreadPool.shutdownGracefully()` throws.
    public func shutdown() async throws {
        let alreadyShutDown = isShutDown.withLock { state in
            defer { state = true }
            return state
        }
        guard !alreadyShutDown else { return }
        try await pool.shutdownGracefully()
    }

    /// The scheduling of the worker that runs a job: its nice value and policy (Linux), for tests.
    func workerScheduling() async throws -> WorkerPriority.Scheduling {
        try await runAdmitted(memoryKiB: 0) { WorkerPriority.currentThread }
    }

    /// Jobs admitted and not finished: waiting for a worker plus running.
    public var inFlight: Int { gate.admitted }

    /// Jobs admitted and still waiting for a worker.
    public var queueDepth: Int { max(0, gate.admitted - gate.running) }

    /// The Argon2 memory of the jobs admitted and not yet finished, in KiB (at most
    /// ``Configuration/effectiveMaxAdmittedMemoryKiB``, or one job's when it alone needs more).
    public var admittedMemoryKiB: Int { gate.admittedMemoryKiB }

    /// Jobs refused with ``CryptoError/Code/overloaded`` since the hasher was made.
    public var rejectedCount: Int { gate.rejected }

    /// Runs `work` on a worker once admitted, and returns its result to the caller from an event loop.
    ///
    /// The result is not handed back from the worker itself: resuming the caller there would enqueue it on the
    /// cooperative pool from a lowered thread, and a thread the pool creates at that moment is created by that
    /// thread, inheriting its nice value and policy. Event-loop threads are never lowered. A job whose caller
    /// is cancelled while it waits for a worker is skipped when a worker reaches it.
    private func runAdmitted<T: Sendable>(
        memoryKiB: Int,
        _ work: @escaping @Sendable () throws -> T
    ) async throws -> T {
        guard !isShutDown.withLock({ $0 }) else {
            throw CryptoError(.internalFailure, "password hasher has been shut down")
        }
        try gate.enter(memoryKiB: memoryKiB)
        defer { gate.leave(memoryKiB: memoryKiB) }
        let gate = self.gate
        let lowersPriority = configuration.lowersWorkerPriority
        let cancelled = Atomic(false)
        let result = pool.runIfActive(eventLoop: resultLoop) {
            guard !cancelled.load(ordering: .relaxed) else { throw CancellationError() }
            if lowersPriority {
                WorkerPriority.lowerCurrentThread()
            }
            gate.started()
            defer { gate.finished() }
            return try work()
        }
        do {
            return try await withTaskCancellationHandler {
                try await result.get()
            } onCancel: {
                cancelled.store(true, ordering: .relaxed)
            }
        } catch is NIOThreadPoolError.ThreadPoolInactive {
            // A job queued when `shutdown()` ran, or submitted just after, is dropped by the pool.
            throw CryptoError(.internalFailure, "password hasher has been shut down")
        }
    }
}
