import Foundation
import TesseraStore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs a child program (pgbench) with a clean signal state and none of our descriptors, as
/// `TesseraTestSupport`'s `Command` spawns the server programs.
///
/// Foundation's `Process` passes on the spawning thread's signal mask, and the threads of a Swift process block
/// most signals; pgbench ends a `-T` run on `SIGALRM`, so a pgbench started that way never stops. This spawns with
/// an empty mask and default dispositions (`POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF`), and closes every
/// descriptor from 3 up in the child: NIO's sockets (the store's pool connections) are not close-on-exec, and a
/// child holding one keeps it open past our close. (`Command` is internal to the test-support module and throws on
/// a non-zero status; the benchmark needs the status and the output file, so the spawn is repeated here.)
enum StoreBenchProcess {
    /// Runs `executable` with `arguments`, standard output and error to the file `outputPath` (created 0600),
    /// standard input from /dev/null, and waits for it on a thread of its own.
    /// - Returns: The exit status, or -1 when the program was killed by a signal.
    static func run(_ executable: String, _ arguments: [String], outputPath: String) async throws -> Int32 {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(
                    with: Result { try Self.spawnAndWait(executable, arguments, outputPath: outputPath) }
                )
            }
        }
    }

    private static func spawnAndWait(_ executable: String, _ arguments: [String], outputPath: String) throws -> Int32 {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGALRM, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGPIPE, SIGCHLD, SIGUSR1, SIGUSR2] {
            sigaddset(&defaults, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        try Self.closeInheritedDescriptors(&actions)

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        guard posix_spawn(&pid, executable, &actions, &attributes, argv, environ) == 0 else {
            throw StoreError(.backend, "could not start \(executable)")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { throw StoreError(.backend, "lost track of \(executable)") }
        }
        // WIFEXITED / WEXITSTATUS, which Swift does not import (they are macros).
        return status & 0x7f == 0 ? (status >> 8) & 0xff : -1
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
                    throw StoreError(.backend, "could not prepare a child process (closefrom)")
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
