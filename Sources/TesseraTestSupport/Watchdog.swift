import Foundation

/// A detached shell loop that stops the throwaway server and deletes its directory once the test process is gone.
///
/// Swift Testing has no process-wide teardown hook, and a crashed or killed test run must not leave a server
/// behind, so the cleanup lives in its own session (`setsid`), polling the parent's pid.
enum Watchdog {
    /// Starts the watchdog; failures to start it are ignored (the server then lives until the machine's cleanup).
    static func start(parent: Int32, pgCtl: String, dataDirectory: String, directory: String, runAs: RunAs) {
        let stop = runAs.shellLine(pgCtl, ["-D", dataDirectory, "-m", "immediate", "-w", "stop"])
        let script = """
            while kill -0 \(parent) 2>/dev/null; do sleep 1; done
            \(stop) >/dev/null 2>&1
            rm -rf '\(directory)'
            """
        try? Command.detach("/usr/bin/setsid", ["/bin/sh", "-c", script])
    }
}
