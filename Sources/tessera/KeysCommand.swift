import ArgumentParser
import Foundation
import Logging
import TesseraAudit
import TesseraCrypto
import TesseraKeyring
import TesseraStore

/// `tessera keys status|rotate|rewrap|retire|rotate-root`: the persistent master keyring.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Inspect, rotate, re-wrap and retire master key versions (the persistent keyring).",
        discussion: """
            Master key versions are stored in the database wrapped by the root key, which never enters it. \
            The first command run on an empty keyring creates version 1. Rotation, rewrap and retirement are \
            online: running servers pick the change up within their poll interval. See docs/keyring.md.
            """,
        subcommands: [Status.self, Rotate.self, Rewrap.self, Retire.self, RotateRoot.self]
    )

    /// Opens the store and the keyring, and runs `body` with the manager.
    static func withManager<Result: Sendable>(
        store: StoreOptions,
        rootKey: RootKeyOptions,
        _ body: (KeyringManager) async throws -> Result
    ) async throws -> Result {
        let loaded = try rootKey.load()
        return try await store.withCheckedStore { store in
            let key = try await KeyringManager.resolveRootKey(loaded, store: store)
            var logger = Logger(label: "tessera.keyring")
            logger.logLevel = .warning
            let audit = AuditLog(store: store, key: AuditSigningKey(rootKey: key))
            let manager = try await KeyringManager.start(store: store, rootKey: key, audit: audit, logger: logger)
            return try await body(manager)
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the master key versions, their states, data-key counts and fingerprints."
        )

        @OptionGroup var store: StoreOptions
        @OptionGroup var rootKey: RootKeyOptions

        func run() async throws {
            let status = try await KeysCommand.withManager(store: store, rootKey: rootKey) { try await $0.status() }
            print(
                "root key \(status.rootKeyFingerprint), keyring revision \(status.revision), "
                    + "active version \(status.activeVersion)")
            print(
                "version  state         data keys  provider keys  totp secrets  key fingerprint   wrapped fingerprint  "
                    + "created")
            let formatter = ISO8601DateFormatter()
            for version in status.versions {
                let columns = [
                    pad(String(version.version), 7), pad(version.state.rawValue, 12), pad(String(version.dekCount), 9),
                    pad(String(version.providerKeys), 13), pad(String(version.totpSecrets), 12),
                    pad(version.keyFingerprint ?? "-", 16),
                    pad(version.wrappedFingerprint, 19), formatter.string(from: version.createdAt),
                ]
                print(columns.joined(separator: "  "))
            }
        }

        private func pad(_ text: String, _ width: Int) -> String {
            text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a new random master key version and make it active.",
            discussion: """
                The previous active version becomes decrypt-only: everything it wrapped still opens. Run \
                'tessera keys rewrap' to move data keys to the new version, then 'tessera keys retire'.
                """
        )

        @OptionGroup var store: StoreOptions
        @OptionGroup var rootKey: RootKeyOptions

        func run() async throws {
            let version = try await KeysCommand.withManager(store: store, rootKey: rootKey) { try await $0.rotate() }
            print("master key version \(version) is now active")
        }
    }

    struct Rewrap: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-wrap every stored data key under the active master key version (online, resumable).",
            discussion: """
                Only providers.user_providers.encrypted_dek changes; the sealed API keys stay byte for byte. \
                Safe to interrupt and run again: it continues with the rows still under old versions.
                """
        )

        @OptionGroup var store: StoreOptions
        @OptionGroup var rootKey: RootKeyOptions

        @Option(name: .customLong("batch-size"), help: "Rows per batch.")
        var batchSize: Int = 500

        @Option(name: .customLong("max-batches"), help: "Stop after this many batches (default: run to the end).")
        var maxBatches: Int?

        func validate() throws {
            guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
            if let maxBatches, maxBatches < 1 { throw ValidationError("--max-batches must be at least 1") }
        }

        func run() async throws {
            let result = try await KeysCommand.withManager(store: store, rootKey: rootKey) { manager in
                try await manager.rewrap(batchSize: batchSize, maxBatches: maxBatches) { progress in
                    ProgressLine.show(
                        label: "rewrap to v\(progress.targetVersion)", done: progress.processed, total: progress.total,
                        detail:
                            "rewrapped \(progress.rewrapped), skipped \(progress.skipped), failed \(progress.failed)"
                    )
                }
            }
            ProgressLine.finish()
            print(
                "rewrapped \(result.rewrapped) data keys to version \(result.targetVersion) "
                    + "(looked at \(result.processed), skipped \(result.skipped), failed \(result.failed))"
                    + (result.finished ? "" : "; stopped early, run again to continue")
            )
            if result.failed > 0 {
                throw InputError("\(result.failed) data keys did not open and were left under their old versions")
            }
        }
    }

    struct Retire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Retire a decrypt-only master key version that nothing references any more.",
            discussion: "Refused for the active version and for a version that still wraps data keys."
        )

        @Argument(help: "The master key version to retire.")
        var version: Int

        @OptionGroup var store: StoreOptions
        @OptionGroup var rootKey: RootKeyOptions

        func run() async throws {
            try await KeysCommand.withManager(store: store, rootKey: rootKey) { try await $0.retire(version: version) }
            print("master key version \(version) is retired")
        }
    }
}
