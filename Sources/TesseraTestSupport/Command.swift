import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs PostgreSQL's tools with ``Spawn`` (not Foundation's `Process`: on Linux it notices a child's exit through a
/// descriptor the child inherits, so it never returns when the child leaves a daemon behind, as pg_ctl does).
enum Command {
    /// Runs `executable` with `arguments` to completion on a thread of its own (``OwnThread``), off the Swift concurrency pool; its output goes to a
    /// temporary file whose tail is quoted when it exits non-zero.
    static func run(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil
    ) async throws {
        try await OwnThread.run { try Self.runBlocking(executable, arguments, environment) }
    }

    /// Starts `executable` without waiting for it, its standard streams on /dev/null.
    static func detach(_ executable: String, _ arguments: [String]) throws {
        _ = try Spawn.start(executable, arguments, environment: nil, standardOutput: "/dev/null", standardError: nil)
    }

    private static func runBlocking(
        _ executable: String,
        _ arguments: [String],
        _ environment: [String: String]?
    ) throws {
        let logPath = NSTemporaryDirectory() + "/tessera-cmd-" + UUID().uuidString + ".log"
        defer { try? FileManager.default.removeItem(atPath: logPath) }
        let pid = try Spawn.start(
            executable, arguments, environment: environment, standardOutput: logPath, standardError: nil
        )
        let status = try Spawn.waitBlocking(pid)
        guard status == 0 else {
            let output = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            let tail = output.split(separator: "\n").suffix(8).joined(separator: "\n")
            let program = arguments.first { $0.hasPrefix("/") } ?? executable
            throw TestSupportError("\(program) failed (status \(status)): \(tail)")
        }
    }
}
