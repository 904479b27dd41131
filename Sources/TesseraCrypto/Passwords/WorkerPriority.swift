#if canImport(Glibc)
    import Glibc
#endif

/// The scheduling priority of ``PasswordHasher``'s worker threads (see
/// ``PasswordHasher/Configuration/lowersWorkerPriority``).
///
/// On Linux, nice values and scheduling policies belong to threads, not processes, and `0` as the target of
/// `setpriority` and `sched_setscheduler` names the calling thread: a worker lowers itself and no other thread. A
/// thread may always lower its own priority; raising it back would need privileges, which is why only the hasher's
/// own threads do it. A thread created by a lowered thread inherits its priority, so a worker creates none: it
/// does not even resume its caller (see ``PasswordHasher``'s `runAdmitted`).
enum WorkerPriority {
    /// How much a worker raises its nice value: from the default 0 to 10, a tenth of a default thread's CPU
    /// share when both want the CPU. Capped at 19, the lowest priority.
    static let niceIncrement: Int32 = 10

    /// Linux's `SCHED_BATCH` (not exported to Swift): a CPU-bound thread that does not preempt others on wakeup.
    static let batchPolicy: Int32 = 3

    /// A thread's nice value and scheduling policy.
    struct Scheduling: Sendable, Equatable {
        var nice: Int32
        var policy: Int32
    }

    /// Raises the calling thread's nice value by ``niceIncrement`` and puts it under `SCHED_BATCH`, once: a
    /// thread found under `SCHED_BATCH` is left as it is.
    static func lowerCurrentThread() {
        #if os(Linux)
            guard sched_getscheduler(0) != batchPolicy else { return }
            errno = 0
            let current = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
            if errno == 0 {
                _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, min(19, current + niceIncrement))
            }
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
