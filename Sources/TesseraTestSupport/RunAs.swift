import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// How to run PostgreSQL's server programs: directly, or (when we are root, which PostgreSQL refuses) as `postgres`.
struct RunAs: Sendable {
    /// The user to switch to, or nil to run as ourselves.
    let user: String?

    /// Decides how to run the server and, when switching users, hands `directory` to that user.
    static func current(owning directory: String) throws -> RunAs {
        guard geteuid() == 0 else { return RunAs(user: nil) }
        let user = ProcessInfo.processInfo.environment["TESSERA_TEST_PG_USER"] ?? "postgres"
        guard let entry = getpwnam(user) else {
            throw TestSupportError(
                "running as root, and there is no `\(user)` user to run PostgreSQL as (install `postgresql`)"
            )
        }
        guard chown(directory, entry.pointee.pw_uid, entry.pointee.pw_gid) == 0 else {
            throw TestSupportError("could not hand \(directory) to the `\(user)` user")
        }
        return RunAs(user: user)
    }

    /// The executable and arguments that run `tool` with `arguments` as the chosen user.
    func command(_ tool: String, _ arguments: [String]) -> (executable: String, arguments: [String]) {
        guard let user = self.user else { return (tool, arguments) }
        if FileManager.default.isExecutableFile(atPath: "/usr/sbin/runuser") {
            return ("/usr/sbin/runuser", ["-u", user, "--", tool] + arguments)
        }
        return ("/usr/bin/setpriv", ["--reuid=\(user)", "--regid=\(user)", "--init-groups", tool] + arguments)
    }

    /// The same command as one shell line, for the watchdog script.
    func shellLine(_ tool: String, _ arguments: [String]) -> String {
        let (executable, all) = self.command(tool, arguments)
        return ([executable] + all).map(Self.quote).joined(separator: " ")
    }

    private static func quote(_ word: String) -> String {
        "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
