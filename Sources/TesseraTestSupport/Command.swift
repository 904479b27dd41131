import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs external programs with `posix_spawn` and `waitpid`.
///
/// Foundation's `Process` is not used: on Linux it notices a child's exit through a descriptor the child inherits,
/// so it never returns when the child leaves a daemon behind (pg_ctl's postmaster).
enum Command {
    /// Runs `executable` with `arguments` to completion off the Swift concurrency pool; its output goes to a
    /// temporary file whose tail is quoted when it exits non-zero.
    static func run(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil
    ) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try Self.runBlocking(executable, arguments, environment) })
            }
        }
    }

    /// Starts `executable` without waiting for it, its standard streams on /dev/null.
    static func detach(_ executable: String, _ arguments: [String]) throws {
        _ = try Self.spawn(executable, arguments, environment: nil, output: "/dev/null")
    }

    private static func runBlocking(
        _ executable: String,
        _ arguments: [String],
        _ environment: [String: String]?
    ) throws {
        let logPath = NSTemporaryDirectory() + "/tessera-cmd-" + UUID().uuidString + ".log"
        defer { try? FileManager.default.removeItem(atPath: logPath) }
        let pid = try Self.spawn(executable, arguments, environment: environment, output: logPath)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { throw TestSupportError("waitpid failed for \(executable)") }
        }
        // WIFEXITED / WEXITSTATUS, spelled out (they are C macros).
        let exited = (status & 0x7f) == 0
        let code = (status >> 8) & 0xff
        guard exited && code == 0 else {
            let output = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            let tail = output.split(separator: "\n").suffix(8).joined(separator: "\n")
            let program = arguments.first { $0.hasPrefix("/") } ?? executable
            throw TestSupportError("\(program) failed (status \(status)): \(tail)")
        }
    }

    private static func spawn(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]?,
        output: String
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        let environmentPairs = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environmentPairs.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard result == 0 else {
            throw TestSupportError("could not start \(executable) (error \(result))")
        }
        return pid
    }
}
