import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A program run by a test: started so that it inherits none of the test process's sockets or signal state, and
/// waited for on a thread of its own, never on the Swift concurrency pool or a Dispatch global queue (which on Linux
/// share their threads): a wait there starves every other test of the process.
public final class ChildProcess: Sendable {
    /// How a program that ran to completion ended.
    public struct Outcome: Sendable {
        /// The exit status, or 128 + the signal that killed it.
        public let status: Int32
        /// The bytes it wrote on standard output.
        public let standardOutputData: Data
        /// The bytes it wrote on standard error.
        public let standardErrorData: Data

        /// What it wrote on standard output, as UTF-8 text.
        public var standardOutput: String { String(decoding: standardOutputData, as: UTF8.self) }
        /// What it wrote on standard error, as UTF-8 text.
        public var standardError: String { String(decoding: standardErrorData, as: UTF8.self) }
    }

    /// The child's process id.
    public let pid: pid_t
    private let exit: Task<Int32, any Error>
    private let exited: ExitFlag

    private init(pid: pid_t) {
        let exited = ExitFlag()
        self.pid = pid
        self.exited = exited
        self.exit = Task.detached {
            defer { exited.value.withLock { $0 = true } }
            return try await Self.offPool { try Spawn.waitBlocking(pid) }
        }
    }

    /// Runs a program to completion.
    ///
    /// - Parameters:
    ///   - executable: The program's absolute path.
    ///   - arguments: Its arguments.
    ///   - environment: Variables added to (or replacing) ours.
    ///   - inheriting: Whether the child starts from our environment (default) or from `environment` alone.
    ///   - directory: Its working directory (default: ours).
    ///   - standardInput: What it reads on standard input (default: nothing).
    /// - Returns: Its status and output.
    /// - Throws: ``TestSupportError`` when it cannot be started.
    public static func run(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String] = [:],
        inheriting: Bool = true,
        directory: String? = nil,
        standardInput: Data = Data()
    ) async throws -> Outcome {
        let base = NSTemporaryDirectory() + "/tessera-child-" + UUID().uuidString
        let paths = (input: base + ".in", output: base + ".out", error: base + ".err")
        defer {
            for path in [paths.input, paths.output, paths.error] { try? FileManager.default.removeItem(atPath: path) }
        }
        guard FileManager.default.createFile(atPath: paths.input, contents: standardInput) else {
            throw TestSupportError("could not write the standard input of \(executable)")
        }
        let merged = inheriting ? ProcessInfo.processInfo.environment.merging(environment) { $1 } : environment
        let pid = try Spawn.start(
            executable, arguments, environment: merged, standardInput: paths.input, standardOutput: paths.output,
            standardError: paths.error, directory: directory
        )
        let status = try await offPool { try Spawn.waitBlocking(pid) }
        let read = { (path: String) in FileManager.default.contents(atPath: path) ?? Data() }
        return Outcome(status: status, standardOutputData: read(paths.output), standardErrorData: read(paths.error))
    }

    /// Starts a long-running program (a server) whose standard output and error go to `logFile`.
    ///
    /// - Parameters:
    ///   - executable: The program's absolute path.
    ///   - arguments: Its arguments.
    ///   - environment: Variables added to (or replacing) ours.
    ///   - inheriting: Whether the child starts from our environment (default) or from `environment` alone.
    ///   - directory: Its working directory (default: ours).
    ///   - logFile: Where its output goes (created or truncated).
    /// - Returns: The running child; stop it with ``signal(_:)`` and await ``exitStatus()``.
    /// - Throws: ``TestSupportError`` when it cannot be started.
    public static func start(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String] = [:],
        inheriting: Bool = true,
        directory: String? = nil,
        logFile: String
    ) throws -> ChildProcess {
        let merged = inheriting ? ProcessInfo.processInfo.environment.merging(environment) { $1 } : environment
        let pid = try Spawn.start(
            executable, arguments, environment: merged, standardOutput: logFile, standardError: nil,
            directory: directory
        )
        return ChildProcess(pid: pid)
    }

    /// Sends a signal (SIGTERM, SIGKILL, …); harmless once the child has exited and been reaped.
    ///
    /// - Parameter number: The signal.
    public func signal(_ number: Int32) {
        kill(pid, number)
    }

    /// Waits for the child to exit.
    ///
    /// - Returns: Its exit status, or 128 + the signal that killed it.
    /// - Throws: ``TestSupportError`` when it cannot be waited for.
    public func exitStatus() async throws -> Int32 {
        try await exit.value
    }

    /// Whether the child has exited, without waiting.
    public var hasExited: Bool {
        exited.value.withLock { $0 }
    }

    /// Runs blocking work on a thread of its own (``OwnThread``) and awaits its result.
    private static func offPool<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await OwnThread.run(work)
    }
}

/// Set once a child has been reaped.
private final class ExitFlag: Sendable {
    let value = Mutex(false)
}
