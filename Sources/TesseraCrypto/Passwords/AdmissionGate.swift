import Synchronization

/// Bounded admission for blocking work: at most `limit` jobs, and jobs needing at most `memoryLimitKiB` of memory
/// together, admitted at once; the rest refused at the door.
///
/// Refusing immediately (rather than queueing without bound) is what keeps a burst of logins from turning into
/// unbounded memory — each queued Argon2 job holds a password — and unbounded latency. Accounting memory, not
/// only calls, is what keeps a burst of the costliest hashes the bounds allow (256 MiB each) from taking the
/// process's memory, while ordinary hashes still fill every slot. A job needing more than the whole memory limit
/// is admitted alone when nothing else is, so the limit never refuses a hash the bounds accept. The counters are
/// read for metrics.
final class AdmissionGate: Sendable {
    private struct State {
        var admitted = 0
        var admittedMemoryKiB = 0
        var running = 0
        var rejected = 0
    }

    let limit: Int
    let memoryLimitKiB: Int
    private let state = Mutex(State())

    init(limit: Int, memoryLimitKiB: Int = .max) {
        self.limit = limit
        self.memoryLimitKiB = memoryLimitKiB
    }

    /// Admits one job needing `memoryKiB` or throws ``CryptoError/Code/overloaded``; every successful call needs
    /// one `leave(memoryKiB:)` with the same amount.
    func enter(memoryKiB: Int = 0) throws {
        let admitted = state.withLock { state -> Bool in
            let (memory, overflow) = state.admittedMemoryKiB.addingReportingOverflow(memoryKiB)
            let fits = !overflow && (memory <= memoryLimitKiB || state.admitted == 0)
            guard state.admitted < limit, fits else {
                state.rejected += 1
                return false
            }
            state.admitted += 1
            state.admittedMemoryKiB = memory
            return true
        }
        guard admitted else {
            throw CryptoError(.overloaded, "password hashing queue is full; retry later")
        }
    }

    /// Releases a slot taken by `enter(memoryKiB:)`.
    func leave(memoryKiB: Int = 0) {
        state.withLock {
            $0.admitted -= 1
            $0.admittedMemoryKiB -= memoryKiB
        }
    }

    /// The memory of the jobs admitted and not yet finished, in KiB.
    var admittedMemoryKiB: Int { state.withLock { $0.admittedMemoryKiB } }

    /// Marks an admitted job as running on a worker.
    func started() {
        state.withLock { $0.running += 1 }
    }

    /// Marks a running job as done.
    func finished() {
        state.withLock { $0.running -= 1 }
    }

    /// Jobs admitted and not yet finished (queued plus running).
    var admitted: Int { state.withLock { $0.admitted } }

    /// Jobs currently running on a worker.
    var running: Int { state.withLock { $0.running } }

    /// Jobs refused since the gate was made.
    var rejected: Int { state.withLock { $0.rejected } }
}
