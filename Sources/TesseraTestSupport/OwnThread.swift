import Foundation

/// Runs blocking work (waiting for a child process) on a thread of its own.
///
/// Not `DispatchQueue.global()`: on Linux the Swift concurrency pool runs on libdispatch's global queue threads, so
/// a `waitpid` there takes a thread from the pool itself. A handful of children running at once (createdb, openssl,
/// the tessera CLI) then left no thread for any task, and the whole test process stood still until one exited.
enum OwnThread {
    /// Runs `work` on a new thread and awaits its result.
    ///
    /// - Parameter work: Blocking work.
    /// - Returns: What `work` returns.
    /// - Throws: What `work` throws.
    static func run<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try work() }) }
            thread.name = "tessera-test-wait"
            thread.start()
        }
    }
}
