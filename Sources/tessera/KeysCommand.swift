import ArgumentParser
import Foundation
import Logging
import TesseraAudit
import TesseraClient
import TesseraCrypto
import TesseraKeyring
import TesseraStore
import TesseraWire

/// `tessera keys status|rotate|rewrap|retire|rotate-root`: the persistent master keyring, against the store or a
/// server.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Inspect, rotate, re-wrap and retire master key versions (the persistent keyring).",
        discussion: """
            Master key versions are stored in the database wrapped by the root key, which never enters it. \
            The first command run on an empty keyring creates version 1. Rotation, rewrap and retirement are \
            online: running servers pick the change up within their poll interval. See docs/keyring.md.

            Each subcommand works directly against the store (--database-url… and the root key), or with \
            --server through a running server's Admin service with an admin credential (--credential-file), \
            so the operator needs neither database credentials nor the root key.
            """,
        subcommands: [Status.self, Rotate.self, Rewrap.self, Retire.self, RotateRoot.self]
    )

    /// Opens the store and the keyring, and runs `body` with the manager.
    ///
    /// - Parameters:
    ///   - store: The store options.
    ///   - rootKey: The root key options.
    ///   - createIfEmpty: Whether an empty keyring gets version 1 (false: refused with `emptyKeyring`).
    ///   - body: Works with the manager.
    static func withManager<Result: Sendable>(
        store: StoreOptions,
        rootKey: RootKeyOptions,
        createIfEmpty: Bool = true,
        _ body: (KeyringManager) async throws -> Result
    ) async throws -> Result {
        let loaded = try rootKey.load()
        return try await store.withCheckedStore { store in
            let key = try await KeyringManager.resolveRootKey(loaded, store: store)
            var logger = Logger(label: "tessera.keyring")
            logger.logLevel = .warning
            let audit = AuditLog(store: store, key: AuditSigningKey(rootKey: key))
            let manager = try await KeyringManager.start(
                store: store, rootKey: key, audit: audit, logger: logger, createIfEmpty: createIfEmpty
            )
            return try await body(manager)
        }
    }

    /// Refuses store options together with `--server`.
    static func check(_ remote: KeysServerOptions, _ store: StoreOptions) throws {
        if remote.server && store.isGiven {
            throw ValidationError("give --server or the store options (--database-url…), not both")
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the master key versions, their states, counts, usage, fingerprints and the rewrap."
        )

        @OptionGroup var store: StoreOptions
        @OptionGroup var rootKey: RootKeyOptions
        @OptionGroup var remote: KeysServerOptions

        func validate() throws { try KeysCommand.check(remote, store) }

        func run() async throws {
            let status: Tessera_V1_GetKeyringStatusResponse
            if remote.server {
                status = try await remote.withClient { try await $0.keyringStatus() }
            } else {
                status = try await KeysCommand.withManager(store: store, rootKey: rootKey) {
                    KeysDisplay.wire(try await $0.status())
                }
            }
            for line in KeysDisplay.lines(status) { print(line) }
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
        @OptionGroup var remote: KeysServerOptions

        func validate() throws { try KeysCommand.check(remote, store) }

        func run() async throws {
            let version: Int
            if remote.server {
                version = Int(try await remote.withClient { try await $0.rotateMasterKey() })
            } else {
                version = try await KeysCommand.withManager(store: store, rootKey: rootKey) { try await $0.rotate() }
            }
            print("master key version \(version) is now active")
        }
    }

    struct Retire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Retire a decrypt-only master key version that nothing references any more.",
            discussion:
                "Refused, with nothing changed, for the active version and for a version that still wraps data keys."
        )

        @Argument(help: "The master key version to retire.")
        var version: Int

        @OptionGroup var store: StoreOptions
        @OptionGroup var rootKey: RootKeyOptions
        @OptionGroup var remote: KeysServerOptions

        func validate() throws {
            try KeysCommand.check(remote, store)
            guard version >= 1, version <= Int(UInt32.max) else {
                throw ValidationError("the version must be at least 1")
            }
        }

        func run() async throws {
            if remote.server {
                try await remote.withClient { try await $0.retireMasterKey(version: UInt32(version)) }
            } else {
                try await KeysCommand.withManager(store: store, rootKey: rootKey) {
                    try await $0.retire(version: version)
                }
            }
            print("master key version \(version) is retired")
        }
    }
}
