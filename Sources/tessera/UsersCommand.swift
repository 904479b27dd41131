import ArgumentParser
import Foundation
import Logging
import TesseraAudit
import TesseraAuth
import TesseraCrypto
import TesseraKeyring
import TesseraStore

/// `tessera users list|show|unlock|disable|enable|revoke-sessions|reset-mfa|verify-email`: operators' view of the accounts.
///
/// Works directly against the store, like `tessera keys`; every change goes through the login flows, so it is
/// audited in the same transaction as the change, exactly as the RPC methods are. Nothing printed holds a hash, a
/// TOTP secret or token material.
struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "List, inspect, unlock, disable, enable accounts; revoke sessions; reset MFA; verify emails.",
        discussion: """
            Runs against the database directly (no server needed). USER is an account's id (a UUID) or its \
            email address. Every change is written to the audit log with the change; the entries have no actor \
            user (an operator at the console).
            """,
        subcommands: [
            List.self, Show.self, Unlock.self, Disable.self, Enable.self, RevokeSessions.self, ResetMfa.self,
            VerifyEmail.self,
        ]
    )

    /// The account a command acts on: an id or an email address.
    struct UserArgument: ParsableArguments {
        @Argument(help: ArgumentHelp("The account: its id (a UUID) or its email address.", valueName: "user"))
        var user: String

        /// Looks the account up: by id when the argument is a UUID, by email when it holds an `@`.
        /// - Throws: ``InputError`` for an argument that is neither, a malformed email, or an unknown account.
        func resolve(in flows: AuthFlows) async throws -> UserSummary {
            try await UsersCommand.reporting {
                if let id = UUID(uuidString: user) {
                    return try await flows.user(id: id)
                }
                guard user.contains("@") else {
                    throw InputError("the user must be given as an id (a UUID) or an email address")
                }
                return try await flows.user(email: user)
            }
        }
    }

    /// Opens the store, the keyring and the audit log, builds the login flows over them, and runs `body`.
    ///
    /// The hasher has one worker: the flows hash one dummy password when they start, and these commands hash
    /// nothing else.
    static func withFlows<Result: Sendable>(
        store: StoreOptions,
        rootKey: RootKeyOptions,
        _ body: (AuthFlows) async throws -> Result
    ) async throws -> Result {
        let loaded = try rootKey.load()
        return try await store.withCheckedStore { store in
            let key = try await KeyringManager.resolveRootKey(loaded, store: store)
            var logger = Logger(label: "tessera.users")
            logger.logLevel = .warning
            let audit = AuditLog(store: store, key: AuditSigningKey(rootKey: key))
            let keyring = try await KeyringManager.start(store: store, rootKey: key, audit: audit, logger: logger)
            return try await PasswordHasher.withHasher(configuration: .init(workers: 1)) { hasher in
                let flows = try await AuthFlows.make(
                    store: store, hasher: hasher, cipher: keyring.cipher, audit: audit, keys: AuthKeys(rootKey: key)
                )
                return try await body(flows)
            }
        }
    }

    /// Runs `body`, turning the flows' refusals into one-line ``InputError``s (their messages hold no value).
    static func reporting<Result>(_ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch let error as AuthError {
            switch error.code {
            case .notFound: throw InputError("no such user")
            default: throw InputError(error.message)
            }
        }
    }

    /// Resolves the account, makes one audited change through the flows, and prints what `body` says it did.
    static func change(
        _ target: UserArgument,
        store: StoreOptions,
        rootKey: RootKeyOptions,
        _ body: @escaping (AuthFlows, UserSummary) async throws -> String
    ) async throws {
        let line = try await withFlows(store: store, rootKey: rootKey) { flows in
            let user = try await target.resolve(in: flows)
            return try await reporting { try await body(flows, user) }
        }
        print(line)
    }

    /// `email (id)`: how a command names the account it changed.
    static func name(_ user: UserSummary) -> String {
        "\(user.email) (\(user.id.uuidString.lowercased()))"
    }

    /// A time as ISO 8601 in UTC, or `placeholder` for none.
    static func time(_ date: Date?, placeholder: String = "-") -> String {
        guard let date else { return placeholder }
        return date == .distantFuture ? "permanently" : ISO8601DateFormatter().string(from: date)
    }

    struct Unlock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Clear an account's lockout: failed sign-ins, temporary lockouts and the lock itself.",
            discussion: "Audited as user.unlocked."
        )

        @OptionGroup var target: UserArgument
        @OptionGroup var store: StoreOptions
        @OptionGroup var rootKey: RootKeyOptions

        func run() async throws {
            try await UsersCommand.change(target, store: store, rootKey: rootKey) { flows, user in
                try await flows.unlock(userID: user.id)
                return "unlocked \(UsersCommand.name(user))"
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Disable an account and revoke its sessions: it then signs in like an unknown one.",
            discussion: "Audited as user.disabled. Disabling a disabled account keeps its original date."
        )

        @OptionGroup var target: UserArgument
        @OptionGroup var store: StoreOptions
        @OptionGroup var rootKey: RootKeyOptions

        func run() async throws {
            try await UsersCommand.change(target, store: store, rootKey: rootKey) { flows, user in
                let revoked = try await flows.setDisabled(userID: user.id, true)
                return "disabled \(UsersCommand.name(user)); revoked \(revoked) session\(revoked == 1 ? "" : "s")"
            }
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Enable a disabled account again (its revoked sessions stay revoked).",
            discussion: "Audited as user.enabled."
        )

        @OptionGroup var target: UserArgument
        @OptionGroup var store: StoreOptions
        @OptionGroup var rootKey: RootKeyOptions

        func run() async throws {
            try await UsersCommand.change(target, store: store, rootKey: rootKey) { flows, user in
                try await flows.setDisabled(userID: user.id, false)
                return "enabled \(UsersCommand.name(user))"
            }
        }
    }

    struct RevokeSessions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke-sessions",
            abstract: "Revoke every live session of an account (its refresh tokens stop working at once).",
            discussion: "Audited as session.revoked-all."
        )

        @OptionGroup var target: UserArgument
        @OptionGroup var store: StoreOptions
        @OptionGroup var rootKey: RootKeyOptions

        func run() async throws {
            try await UsersCommand.change(target, store: store, rootKey: rootKey) { flows, user in
                let revoked = try await flows.revokeAllSessions(of: user.id)
                return "revoked \(revoked) session\(revoked == 1 ? "" : "s") of \(UsersCommand.name(user))"
            }
        }
    }

    struct ResetMfa: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-mfa",
            abstract: "Remove an account's TOTP enrolment and recovery codes (for a user who lost both).",
            discussion: "Audited as mfa.reset. The user signs in with the password alone until they enrol again."
        )

        @OptionGroup var target: UserArgument
        @OptionGroup var store: StoreOptions
        @OptionGroup var rootKey: RootKeyOptions

        func run() async throws {
            try await UsersCommand.change(target, store: store, rootKey: rootKey) { flows, user in
                try await flows.resetMfa(userID: user.id)
                return "removed TOTP and recovery codes of \(UsersCommand.name(user))"
            }
        }
    }

    struct VerifyEmail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify-email",
            abstract: "Mark an account's email address verified (or, with --unverified, not verified).",
            discussion: "Audited as email.marked-verified or email.marked-unverified."
        )

        @OptionGroup var target: UserArgument
        @Flag(help: "Mark the address not verified instead.") var unverified = false
        @OptionGroup var store: StoreOptions
        @OptionGroup var rootKey: RootKeyOptions

        func run() async throws {
            let verified = !unverified
            try await UsersCommand.change(target, store: store, rootKey: rootKey) { flows, user in
                try await flows.setEmailVerified(userID: user.id, verified)
                return "marked the email of \(UsersCommand.name(user)) \(verified ? "verified" : "not verified")"
            }
        }
    }
}
