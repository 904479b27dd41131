import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Starts programs with `posix_spawn` so that they inherit nothing of the test process but their three standard
/// streams (every other descriptor closed, signal mask empty, default signal dispositions), and reaps them with
/// `waitpid`.
enum Spawn {
    /// Starts `executable` (an absolute path) and returns its process id.
    ///
    /// - Parameters:
    ///   - executable: The program's absolute path.
    ///   - arguments: Its arguments.
    ///   - environment: Its environment (default: ours).
    ///   - standardInput: The file its standard input reads (default /dev/null).
    ///   - standardOutput: The file its standard output replaces (created 0600).
    ///   - standardError: The file its standard error replaces; nil sends it to `standardOutput`.
    ///   - directory: Its working directory (default: ours).
    /// - Returns: The child's process id; reap it with ``waitBlocking(_:)``.
    static func start(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]?,
        standardInput: String = "/dev/null",
        standardOutput: String,
        standardError: String?,
        directory: String? = nil
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, standardInput, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, standardOutput, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        if let standardError {
            posix_spawn_file_actions_addopen(&actions, 2, standardError, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        if let directory {
            try Self.changeDirectory(&actions, to: directory)
        }
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
        for number in [SIGALRM, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGPIPE, SIGCHLD, SIGUSR1, SIGUSR2] {
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

    /// Waits for a child to exit, blocking the calling thread (call it off the Swift concurrency pool).
    ///
    /// - Parameter pid: The child.
    /// - Returns: Its exit status, or 128 + the signal that killed it.
    static func waitBlocking(_ pid: pid_t) throws -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { throw TestSupportError("waitpid failed for process \(pid)") }
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG, spelled out (they are C macros).
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// `posix_spawn_file_actions_addchdir_np` (glibc 2.29+), which Swift's Glibc module does not import.
    private typealias AddChangeDirectory =
        @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    private static func changeDirectory(_ actions: inout posix_spawn_file_actions_t, to directory: String) throws {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addchdir_np") else {
            throw TestSupportError("this C library cannot start a child in another directory")
        }
        let addChangeDirectory = unsafeBitCast(symbol, to: AddChangeDirectory.self)
        guard addChangeDirectory(&actions, directory) == 0 else {
            throw TestSupportError("could not prepare a child process (chdir)")
        }
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
