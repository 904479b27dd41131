import Synchronization

/// Bounded admission for blocking work: at most `limit` jobs admitted at once, the rest refused at the door.
///
/// Refusing immediately (rather than queueing without bound) is what keeps a burst of logins from turning into
/// unbounded memory — each queued Argon2 job holds a password — and unbounded latency. The counters are read
/// for metrics.
final class AdmissionGate: Sendable {
    private struct State {
        var admitted = 0
        var running = 0
        var rejected = 0
    }

    let limit: Int
    private let state = Mutex(State())

    init(limit: Int) {
        self.limit = limit
    }

    /// Admits one job or throws ``CryptoError/Code/overloaded``; every successful call needs one `leave()`.
    func enter() throws {
        let admitted = state.withLock { state -> Bool in
            guard state.admitted < limit else {
                state.rejected += 1
                return false
            }
            state.admitted += 1
            return true
        }
        guard admitted else {
            throw CryptoError(.overloaded, "password hashing queue is full; retry later")
        }
    }

    /// Releases a slot taken by `enter()`.
    func leave() {
        state.withLock { $0.admitted -= 1 }
    }

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
