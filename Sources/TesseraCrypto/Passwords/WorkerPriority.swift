#if canImport(Glibc)
    import Glibc
#endif

/// The scheduling priority of ``PasswordHasher``'s worker threads (see
/// ``PasswordHasher/Configuration/lowersWorkerPriority``).
///
/// On Linux, nice values and scheduling policies belong to threads, not processes, and `0` as the target of
/// `setpriority` and `sched_setscheduler` names the calling thread: a worker lowers itself and no other thread. A
/// thread may always lower its own priority; raising it back would need privileges, which is why only the hasher's
/// own threads do it.
enum WorkerPriority {
    /// The nice value a worker takes: a tenth of a default thread's CPU share when both want the CPU.
    static let nice: Int32 = 10

    /// Linux's `SCHED_BATCH` (not exported to Swift): a CPU-bound thread that does not preempt others on wakeup.
    static let batchPolicy: Int32 = 3

    /// A thread's nice value and scheduling policy.
    struct Scheduling: Sendable, Equatable {
        var nice: Int32
        var policy: Int32
    }

    /// Lowers the calling thread to ``nice`` under `SCHED_BATCH`, once: later calls find it done and return.
    static func lowerCurrentThread() {
        #if os(Linux)
            guard sched_getscheduler(0) != batchPolicy else { return }
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice)
            var parameters = sched_param(sched_priority: 0)
            _ = sched_setscheduler(0, batchPolicy, &parameters)
        #endif
    }

    /// The calling thread's scheduling (zeros where the platform has no such notion).
    static var currentThread: Scheduling {
        #if os(Linux)
            Scheduling(nice: getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0), policy: sched_getscheduler(0))
        #else
            Scheduling(nice: 0, policy: 0)
        #endif
    }
}
