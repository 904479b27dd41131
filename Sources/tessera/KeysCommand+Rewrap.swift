import ArgumentParser
import Foundation
import Synchronization
import TesseraAdminServices
import TesseraClient
import TesseraKeyring
import TesseraWire

extension KeysCommand {
    struct Rewrap: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-wrap every stored data key under the active master key version (online, resumable).",
            discussion: """
                Only the wrapped data keys change (providers.user_providers.encrypted_dek, the key part of \
                auth.users.totp_secret); the encrypted payloads stay byte for byte and are never decrypted. \
                There is one rewrap at a time; its progress is saved with every batch.

                Against the store, it runs here: safe to interrupt and run again (it continues where it stopped). \
                When another process (a server replica) is running the rewrap, this command says so and follows it \
                until it ends, then reports it; if that process dies meanwhile, this one takes the rest over. \
                With --server, it asks the server to start (or \
                resume) it, and a replica runs it in the background, one at a time, another taking over if that \
                one dies; this command follows it until it finishes (--detach: return at once). --watch only \
                follows the running rewrap; --pause pauses it (run this command again to resume).

                Progress goes to standard error: a bar with the rate and the time left on a terminal, a plain \
                line every 2 s otherwise.
                """
        )

        @OptionGroup var store: StoreOptions
        @OptionGroup var rootKey: RootKeyOptions
        @OptionGroup var remote: KeysServerOptions

        @Option(name: .customLong("batch-size"), help: "Rows per batch, 1 to 100000.")
        var batchSize: Int = 500

        @Option(name: .customLong("max-batches"), help: "Stop (and pause) after this many batches (not with --server).")
        var maxBatches: Int?

        @Option(name: .customLong("pause-ms"), help: "Milliseconds to wait between batches (the throttle), 0 to 60000.")
        var pauseMilliseconds: Int = 0

        @Flag(help: "Only follow the running rewrap until it stops.")
        var watch = false

        @Flag(help: "Pause the running rewrap.")
        var pause = false

        @Flag(help: "With --server: start the rewrap and return without following it.")
        var detach = false

        func validate() throws {
            try KeysCommand.check(remote, store)
            guard (1...100_000).contains(batchSize) else { throw ValidationError("--batch-size must be 1 to 100000") }
            guard (0...60_000).contains(pauseMilliseconds) else {
                throw ValidationError("--pause-ms must be 0 to 60000")
            }
            if let maxBatches, maxBatches < 1 { throw ValidationError("--max-batches must be at least 1") }
            if maxBatches != nil && remote.server { throw ValidationError("--max-batches does not go with --server") }
            if watch && pause { throw ValidationError("give --watch or --pause, not both") }
            if detach && !remote.server { throw ValidationError("--detach goes with --server") }
        }

        func run() async throws {
            if remote.server {
                try await runThroughServer()
            } else {
                try await runAgainstStore()
            }
        }

        private func runAgainstStore() async throws {
            if pause {
                let paused = try await KeysCommand.withManager(store: store, rootKey: rootKey) {
                    try await $0.pauseRewrap(requestedBy: "cli")
                }
                print("rewrap paused: " + KeysDisplay.rewrapLine(AdminWire.rewrap(paused)))
                return
            }
            if watch {
                let last = try await KeysCommand.withManager(store: store, rootKey: rootKey) { manager in
                    try await Self.follow { AdminWire.rewrap(try await manager.rewrapJob()) }
                }
                try Self.report(last)
                return
            }
            let (batchSize, maxBatches, pauseMilliseconds) = (self.batchSize, self.maxBatches, self.pauseMilliseconds)
            let run = try await KeysCommand.withManager(store: store, rootKey: rootKey) { manager in
                let bar = ProgressBar(label: "rewrap")
                let followed = ProgressBar(label: "rewrap")
                defer {
                    bar.finish()
                    followed.finish()
                }
                let announced = Announcement()
                return try await manager.rewrapOrFollow(
                    batchSize: batchSize, maxBatches: maxBatches, pause: .milliseconds(pauseMilliseconds),
                    progress: { progress in
                        bar.show(
                            done: progress.processed, total: progress.total,
                            detail: "to v\(progress.targetVersion), rewrapped \(progress.rewrapped), "
                                + "skipped \(progress.skipped), failed \(progress.failed)",
                            force: progress.finished
                        )
                    },
                    following: { job in
                        if announced.first() {
                            followed.note(
                                "a rewrap to version \(job.targetVersion) is already running on "
                                    + "\(job.owner ?? "another process"); following it until it ends (stopping "
                                    + "this command does not stop it; 'tessera keys rewrap --pause' does)"
                            )
                        }
                        let status = AdminWire.rewrap(job)
                        followed.show(done: status.processed, total: status.total, detail: Self.detail(status))
                    }
                )
            }
            switch run {
            case .followed(let job):
                try Self.report(AdminWire.rewrap(job))
            case .ran(let result):
                print(
                    "rewrapped \(result.rewrapped) data keys to version \(result.targetVersion) "
                        + "(looked at \(result.processed), skipped \(result.skipped), failed \(result.failed))"
                        + (result.finished ? "" : "; paused early, run again to continue")
                )
                if result.failed > 0 {
                    throw InputError("\(result.failed) data keys did not open and were left under their old versions")
                }
            }
        }

        private func runThroughServer() async throws {
            let (pauseMilliseconds, batchSize) = (self.pauseMilliseconds, self.batchSize)
            let (watch, pause, detach) = (self.watch, self.pause, self.detach)
            let last = try await remote.withClient { client -> Tessera_V1_RewrapStatus in
                if pause { return try await client.pauseRewrap() }
                if !watch {
                    let started = try await client.startRewrap(
                        batchSize: UInt32(batchSize), pauseMilliseconds: UInt32(pauseMilliseconds)
                    )
                    print("rewrap to version \(started.targetVersion) started (\(started.total) data keys)")
                    if detach { return started }
                }
                return try await Self.follow { try await client.rewrapStatus() }
            }
            if pause {
                print("rewrap paused: " + KeysDisplay.rewrapLine(last))
            } else if detach {
                print("follow it with 'tessera keys rewrap --watch --server'")
            } else {
                try Self.report(last)
            }
        }

        /// Polls `read` every 2 s (each poll through a server is an audited Admin call) with a progress display until the rewrap is no longer running.
        static func follow(_ read: () async throws -> Tessera_V1_RewrapStatus) async throws -> Tessera_V1_RewrapStatus {
            let bar = ProgressBar(label: "rewrap")
            defer { bar.finish() }
            while true {
                let status = try await read()
                bar.show(
                    done: status.processed, total: status.total, detail: detail(status),
                    force: status.state != .running
                )
                guard status.state == .running else { return status }
                try await Task.sleep(for: .seconds(2))
            }
        }

        /// The progress display's detail of a rewrap: target, counts and the process running it.
        static func detail(_ status: Tessera_V1_RewrapStatus) -> String {
            "to v\(status.targetVersion), rewrapped \(status.rewrapped), skipped \(status.skipped), "
                + "failed \(status.failed)" + (status.owner.isEmpty ? "" : ", on \(status.owner)")
        }

        /// Prints how a followed rewrap ended; non-zero exit when rows failed.
        static func report(_ status: Tessera_V1_RewrapStatus) throws {
            switch status.state {
            case .none, .UNRECOGNIZED:
                print("no rewrap was ever started")
            case .paused:
                print("rewrap paused: " + KeysDisplay.rewrapLine(status) + "; run 'tessera keys rewrap' to resume")
            default:
                print(
                    "rewrapped \(status.rewrapped) data keys to version \(status.targetVersion) "
                        + "(looked at \(status.processed), skipped \(status.skipped), failed \(status.failed))"
                )
                if status.failed > 0 {
                    throw InputError("\(status.failed) data keys did not open and were left under their old versions")
                }
            }
        }
    }
}

/// Whether the "following" line was written yet: once per command, though following may begin more than once.
private final class Announcement: Sendable {
    private let done = Mutex(false)

    /// True the first time only.
    func first() -> Bool {
        done.withLock { done in
            defer { done = true }
            return !done
        }
    }
}
