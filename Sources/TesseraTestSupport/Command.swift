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
        // Nothing else of ours may reach the child: pg_ctl leaves the postmaster running for the whole test process
        // and the watchdog lives as long as we do, so any descriptor they inherit stays open until then. NIO's
        // sockets and Foundation `Process`'s exit-notification socket are not close-on-exec; an inherited accepted
        // socket never delivers its FIN to the peer, and an inherited `Process` socket means `waitUntilExit()` never
        // returns (which, on the cooperative pool, starves every other task of the test process).
        try Self.closeInheritedDescriptors(&actions)

        // Dispatch worker threads block most signals, and UnixSignals sets SIGHUP to SIG_IGN: both would be
        // inherited by the child (and the postmaster). Start it with an empty mask and default dispositions.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in [SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGPIPE, SIGCHLD, SIGUSR1, SIGUSR2] {
            sigaddset(&defaults, number)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let environmentPairs = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environmentPairs.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw TestSupportError("could not start \(executable) (error \(result))")
        }
        return pid
    }

    /// `posix_spawn_file_actions_addclosefrom_np` (glibc 2.34+), which Swift's Glibc module does not import.
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// Adds actions closing every descriptor from 3 up in the child.
    ///
    /// Uses `posix_spawn_file_actions_addclosefrom_np` where the C library has it (race-free); otherwise closes the
    /// descriptors open right now, as listed in `/proc/self/fd`.
    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) throws {
        #if canImport(Glibc)
            if let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
                let addCloseFrom = unsafeBitCast(symbol, to: AddCloseFrom.self)
                guard addCloseFrom(&actions, 3) == 0 else {
                    throw TestSupportError("could not prepare a child process (closefrom)")
                }
                return
            }
        #endif
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for descriptor in open.compactMap({ Int32($0) }) where descriptor > 2 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
    }
}
