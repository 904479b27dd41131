import Foundation
import TesseraAudit
import TesseraAuth
import TesseraCrypto
import TesseraKeyring
import TesseraStore
import TesseraStoreSQLite
import TesseraTestSupport
import Testing

/// The package's root directory, where the development root key is found.
private let usersPackageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// `tessera users …` as a process over a temporary SQLite file: accounts are made through the library (with the
/// development root key, as the CLI uses it), then the commands are run and their effects read back from the store.
@Suite(
    "End to end: tessera users",
    .enabled(if: tesseraExecutable != nil, "the tessera executable is built beside the tests"),
    .timeLimit(.minutes(5))
)
struct UsersCommandTests {
    static let password = "a long and unusual passphrase"

    /// A line of `users show`: the name, a colon, the value in the column after it.
    static func field(_ name: String, _ value: String) -> String {
        name + ":" + String(repeating: " ", count: 15 - name.count) + value
    }

    /// Runs `tessera ARGUMENTS` from the package root, without any database setting from our environment.
    private func tessera(_ arguments: [String]) async throws -> ChildProcess.Outcome {
        try await ChildProcess.run(
            try #require(tesseraExecutable), arguments, environment: ServeProcessTests.cleanEnvironment,
            inheriting: false, directory: usersPackageRoot.path
        )
    }

    /// Opens the SQLite file and runs `body` with login flows over it: the development root key, cheap Argon2,
    /// and a lockout after 2 failures.
    private func withFlows(path: String, _ body: (AuthFlows, any TesseraStore) async throws -> Void) async throws {
        let key = try RootKeyFile(path: usersPackageRoot.appendingPathComponent(RootKey.developmentRelativePath).path)
            .load().key
        try await SQLiteStore.withStore(configuration: SQLiteStoreConfiguration(path: path)) { store in
            let audit = AuditLog(store: store, key: AuditSigningKey(rootKey: key))
            let keyring = try await KeyringManager.start(store: store, rootKey: key, audit: audit)
            let hasher = try PasswordHasher(
                configuration: .init(policy: try PasswordPolicy(memoryKiB: 1_024, iterations: 1), workers: 1)
            )
            var policy = AuthPolicy()
            policy.lockout.maxFailures = 2
            let flows = try await AuthFlows.make(
                store: store, hasher: hasher, cipher: keyring.cipher, audit: audit, keys: AuthKeys(rootKey: key),
                policy: policy
            )
            do {
                try await body(flows, store)
            } catch {
                try? await hasher.shutdown()
                throw error
            }
            try await hasher.shutdown()
        }
    }

    /// Signs in with the right password; the session, or nil (with an issue recorded) if there was none.
    private func signIn(_ flows: AuthFlows, _ email: String, device: String = "cli-test") async throws
        -> IssuedSession?
    {
        let outcome = try await flows.authenticate(email: email, password: Self.password, deviceInfo: ["agent": device])
        guard case .session(let session) = outcome else {
            Issue.record("no session for \(email): \(outcome)")
            return nil
        }
        return session
    }

    @Test("--help for users and each subcommand")
    func help() async throws {
        let top = try await tessera(["users", "--help"])
        #expect(top.status == 0)
        for name in ["list", "show", "unlock", "disable", "enable", "revoke-sessions", "reset-mfa", "verify-email"] {
            #expect(top.standardOutput.contains(name), "users --help lacks \(name)")
            let sub = try await tessera(["users", name, "--help"])
            #expect(sub.status == 0, "users \(name) --help: \(sub.standardError)")
            #expect(sub.standardOutput.contains("USAGE: tessera users \(name)"))
            #expect(sub.standardOutput.contains("--sqlite-path"))
        }
    }

    @Test("list, show, unlock, revoke-sessions, disable, enable and reset-mfa: effects, audit entries, exit codes")
    func operatorCommands() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-users-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("tessera.sqlite").path
        let store = ["--sqlite-path", path]
        let migrated = try await tessera(["migrate"] + store)
        try #require(migrated.status == 0, "migrate: \(migrated.standardError)")

        let alice = "alice@example.com"
        let bob = "bob@example.com"
        var outputs: [String] = []
        var needles = [Self.password]
        /// Runs a users command, keeping its output for the secret scan at the end.
        func users(_ arguments: [String]) async throws -> ChildProcess.Outcome {
            let outcome = try await tessera(["users"] + arguments + store)
            outputs += [outcome.standardOutput, outcome.standardError]
            return outcome
        }

        try await withFlows(path: path) { flows, db in
            // alice: two sessions, then TOTP. bob: one session, then locked by two wrong passwords.
            guard case .registered(let aliceID) = try await flows.register(email: alice, password: Self.password),
                case .registered(let bobID) = try await flows.register(email: bob, password: Self.password)
            else {
                Issue.record("registration failed")
                return
            }
            let aliceFirst = try #require(try await signIn(flows, alice))
            let aliceSecond = try #require(try await signIn(flows, alice, device: "second"))
            let start = try await flows.beginTotpEnrolment(userID: aliceID)
            let code = try TOTP.code(for: start.enrolment.secret, at: Date())
            guard
                case .done(let codes) = try await flows.confirmTotpEnrolment(
                    userID: aliceID, enrolmentToken: start.enrolmentToken, code: code)
            else {
                Issue.record("TOTP enrolment failed")
                return
            }
            let bobFirst = try #require(try await signIn(flows, bob))
            for _ in 0..<2 {
                let wrong = try await flows.authenticate(email: bob, password: "not the password at all")
                #expect(wrong.isInvalidCredentials, "a wrong password signed in")
            }
            #expect(try await flows.user(id: bobID).lockedUntil != nil)
            needles +=
                [
                    aliceFirst.refreshToken.reveal(), aliceSecond.refreshToken.reveal(), bobFirst.refreshToken.reveal(),
                    start.enrolment.secret.revealBase32(), start.enrolmentToken,
                ] + codes

            // list: one row per account in email order, MFA and lock shown; pages with --limit and --after.
            let listed = try await users(["list"])
            #expect(listed.status == 0, "list: \(listed.standardError)")
            let lines = listed.standardOutput.split(separator: "\n").map(String.init)
            try #require(lines.count == 3, "list: \(listed.standardOutput)")
            #expect(
                lines[0].split(separator: " ", omittingEmptySubsequences: true).prefix(4) == [
                    "email", "id", "role", "mfa",
                ])
            #expect(lines[0].contains("last login"))
            let aliceRow = lines[1].split(separator: " ").map(String.init)
            let bobRow = lines[2].split(separator: " ").map(String.init)
            #expect(aliceRow.prefix(6) == [alice, aliceID.uuidString.lowercased(), "user", "on", "no", "no"])
            #expect(bobRow.prefix(4) == [bob, bobID.uuidString.lowercased(), "user", "off"])
            #expect(bobRow[4] != "no" && bobRow[5] == "no", "bob is locked, not disabled: \(lines[2])")
            let first = try await users(["list", "--limit", "1"])
            #expect(first.status == 0)
            #expect(first.standardOutput.split(separator: "\n").count == 2 && first.standardOutput.contains(alice))
            #expect(first.standardError.contains("--after \(alice)"))
            let next = try await users(["list", "--limit", "1", "--after", alice])
            #expect(next.standardOutput.split(separator: "\n").count == 2 && next.standardOutput.contains(bob))
            #expect(try await users(["list", "--limit", "0"]).status != 0)

            // show, by email and by id (any case): the summary and the live sessions, no secret.
            let shown = try await users(["show", alice])
            #expect(shown.status == 0, "show: \(shown.standardError)")
            let text = shown.standardOutput
            #expect(text.contains(Self.field("id", aliceID.uuidString.lowercased())))
            #expect(text.contains(Self.field("mfa", "totp, 10 recovery codes left")))
            #expect(text.contains(Self.field("sessions", "2 live")))
            #expect(text.contains(aliceFirst.sessionID.uuidString.lowercased()))
            #expect(text.contains(aliceSecond.sessionID.uuidString.lowercased()))
            #expect(text.contains("agent=cli-test") && text.contains("agent=second"))
            #expect(!text.contains("$argon2") && !text.contains("tessera.aal"))
            let byID = try await users(["show", aliceID.uuidString.uppercased()])
            #expect(byID.status == 0 && byID.standardOutput == text)

            // Unknown users and malformed ids: a one-line reason, a non-zero exit, nothing changed.
            for (arguments, reason) in [
                (["show", "nobody@example.com"], "no such user"),
                (["unlock", UUID().uuidString], "no such user"),
                (["disable", "nobody@example.com"], "no such user"),
                (["show", "12345678-abcd"], "an id (a UUID) or an email address"),
                (["revoke-sessions", "bob"], "an id (a UUID) or an email address"),
                (["reset-mfa", "two@@example.com"], "malformed"),
            ] {
                let refused = try await users(arguments)
                #expect(refused.status != 0, "\(arguments) succeeded")
                // The development key's warnings come first; the reason is the one line after them.
                let lines = refused.standardError.split(separator: "\n").filter { !$0.hasPrefix("tessera: ") }
                #expect(
                    lines.count == 1 && lines[0].hasPrefix("Error: ") && lines[0].contains(reason),
                    "\(arguments): \(refused.standardError)")
                #expect(refused.standardOutput.isEmpty)
            }

            // unlock: the counters are cleared and the right password signs in again.
            let unlocked = try await users(["unlock", bob])
            #expect(unlocked.status == 0 && unlocked.standardOutput.contains("unlocked \(bob)"))
            let bobRow2 = try #require(try await db.user(id: bobID))
            #expect(bobRow2.failedLoginAttempts == 0 && bobRow2.lockedUntil == nil)
            let bobSecond = try #require(try await signIn(flows, bob))
            needles.append(bobSecond.refreshToken.reveal())

            // revoke-sessions: both of alice's refresh tokens stop working.
            let revoked = try await users(["revoke-sessions", aliceID.uuidString])
            #expect(revoked.status == 0 && revoked.standardOutput.contains("revoked 2 sessions of \(alice)"))
            for token in [aliceFirst.refreshToken, aliceSecond.refreshToken] {
                let refreshed = try await flows.refresh(token: token.reveal())
                guard case .refused(.revoked) = refreshed else {
                    Issue.record("a revoked session refreshed")
                    return
                }
            }
            #expect(try await flows.sessions(of: aliceID).isEmpty)

            // disable: bob's two sessions are revoked and the right password no longer signs in; enable undoes it.
            let disabled = try await users(["disable", bob])
            #expect(disabled.status == 0 && disabled.standardOutput.contains("revoked 2 sessions"), "\(disabled)")
            #expect(try await db.user(id: bobID)?.disabledAt != nil)
            #expect(try await users(["show", bob]).standardOutput.contains(Self.field("disabled", "since ")))
            let refused = try await flows.authenticate(email: bob, password: Self.password)
            #expect(refused.isInvalidCredentials, "a disabled account signed in")
            let enabled = try await users(["enable", bob])
            #expect(enabled.status == 0 && enabled.standardOutput.contains("enabled \(bob)"))
            #expect(try await db.user(id: bobID)?.disabledAt == nil)
            needles.append(try #require(try await signIn(flows, bob)).refreshToken.reveal())

            // reset-mfa: the TOTP secret and the recovery codes are gone; the password alone signs in.
            let reset = try await users(["reset-mfa", alice])
            #expect(reset.status == 0 && reset.standardOutput.contains(alice))
            #expect(try await db.user(id: aliceID)?.sealedTOTPSecret == nil)
            #expect(try await db.remainingRecoveryCodes(userID: aliceID) == 0)
            needles.append(try #require(try await signIn(flows, alice)).refreshToken.reveal())
            #expect(try await users(["show", alice]).standardOutput.contains(Self.field("mfa", "off")))

            // Each change was audited by the flows, about the right account.
            let entries = try await db.auditEntries(after: 0, limit: 1_000)
            for (action, id) in [
                ("user.unlocked", bobID), ("session.revoked-all", aliceID), ("user.disabled", bobID),
                ("user.enabled", bobID), ("mfa.reset", aliceID),
            ] {
                #expect(
                    entries.contains { $0.action == action && $0.payload["user_id"] == id.uuidString.lowercased() },
                    "no \(action) entry for the account")
            }
        }

        // The chain, with the entries the CLI appended, verifies.
        let verified = try await tessera(["audit", "verify"] + store)
        #expect(verified.status == 0, "audit verify: \(verified.standardOutput) \(verified.standardError)")
        // No secret in anything the commands printed.
        for output in outputs {
            for needle in needles {
                #expect(!output.contains(needle), "a secret reached the output of tessera users")
            }
        }
    }

    @Test("invitations create (the code once), list, revoke; users verify-email; bad input exits non-zero")
    func invitationCommands() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-inv-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("tessera.sqlite").path
        let store = ["--sqlite-path", path]
        let migrated = try await tessera(["migrate"] + store)
        try #require(migrated.status == 0, "migrate: \(migrated.standardError)")

        let created = try await tessera(
            ["invitations", "create", "--role", "viewer", "--max-uses", "2", "--email", "Carol@Example.com"] + store)
        try #require(created.status == 0, "create: \(created.standardError)")
        let code = created.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(code.hasPrefix("tsi_"))
        #expect(created.standardError.contains("bound to carol@example.com"))
        let listed = try await tessera(["invitations", "list"] + store)
        #expect(listed.status == 0)
        #expect(listed.standardOutput.contains("active\tviewer\t0/2"))
        #expect(!listed.standardOutput.contains(code))
        let row = try #require(listed.standardOutput.split(separator: "\n").dropFirst().first)
        let id = String(try #require(row.split(separator: "\t").first))

        try await withFlows(path: path) { flows, _ in
            guard
                case .registered(let carol) = try await flows.register(
                    email: "carol@example.com", password: Self.password, invitationCode: code)
            else {
                Issue.record("the CLI's invitation did not redeem")
                return
            }
            #expect(try await flows.user(id: carol).role == .viewer)
        }
        let verified = try await tessera(["users", "verify-email", "carol@example.com"] + store)
        #expect(verified.status == 0, "verify-email: \(verified.standardError)")
        try await withFlows(path: path) { flows, _ in
            let carol = try await flows.user(email: "carol@example.com")
            #expect(carol.verified)
        }

        let revoked = try await tessera(["invitations", "revoke", id] + store)
        #expect(revoked.status == 0 && revoked.standardOutput.contains("revoked invitation"))
        let again = try await tessera(["invitations", "revoke", id] + store)
        #expect(again.standardOutput.contains("already"))
        for bad in [
            ["invitations", "create", "--role", "root"], ["invitations", "create", "--max-uses", "0"],
            ["invitations", "create", "--ttl", "5"], ["invitations", "create", "--email", "nope"],
            ["invitations", "revoke", "not-a-uuid"], ["invitations", "revoke", UUID().uuidString],
        ] {
            let outcome = try await tessera(bad + store)
            #expect(outcome.status != 0, "\(bad) succeeded")
            #expect(!outcome.standardError.isEmpty, "\(bad): no reason given")
        }
        let audit = try await tessera(["audit", "verify"] + store)
        #expect(audit.status == 0, "audit verify: \(audit.standardOutput) \(audit.standardError)")
    }
}

extension AuthenticationOutcome {
    /// Whether the sign-in was refused.
    fileprivate var isInvalidCredentials: Bool {
        if case .invalidCredentials = self { return true }
        return false
    }
}
