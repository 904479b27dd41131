import Foundation
import TesseraAudit
import TesseraAuth
import TesseraAuthServices
import TesseraClient
import TesseraCrypto
import TesseraServer
import TesseraStore
import TesseraStorePostgres
import TesseraStoreSQLite
import TesseraTestSupport
import TesseraWire
import Testing

/// Invitations, password resets and email verification over real sockets: invitation → register → verify →
/// reset, with bad input refused as INVALID_ARGUMENT, and no code, token or password in the server's log, the
/// audit payloads or the SQLite file.
@Suite("End to end: invitations, resets and email verification over RPC", .timeLimit(.minutes(5)))
struct RecoveryEndToEndTests {
    enum Backend: String, CaseIterable, CustomTestStringConvertible {
        case sqlite
        case postgres
        var testDescription: String { rawValue }
    }

    static let loginService = OpaqueToken.generate(.caller)

    struct Server {
        let harness: Harness
        let store: any TesseraStore
        let logs: CapturingLogHandler.Store
        let path: String?
    }

    static func withServer(_ backend: Backend, _ body: (Server) async throws -> Void) async throws {
        func serve(_ store: any TesseraStore, path: String?) async throws {
            _ = try await store.migrate()
            let audit = AuditLog(store: store, key: AuditSigningKey(material: .random(count: 32)))
            let hasher = try PasswordHasher(
                configuration: .init(policy: try PasswordPolicy(memoryKiB: 1_024, iterations: 1), workers: 2)
            )
            var policy = AuthPolicy()
            policy.emailVerification.requiredForSignIn = true
            let flows = try await AuthFlows.make(
                store: store, hasher: hasher, cipher: EnvelopeCipher(keyring: try Keyring.generate()), audit: audit,
                keys: .random(), policy: policy
            )
            let logs = CapturingLogHandler.Store()
            try await Harness.with(
                extraCallers: [
                    CallersFile.Entry(
                        id: "login", credentialSHA256: loginService.digest.hex,
                        allow: [
                            "tessera.v1.Accounts/*", "tessera.v1.Sessions/*", "tessera.v1.Invitations/*",
                            "tessera.v1.PasswordResets/*",
                            "tessera.v1.EmailVerification/*",
                        ]
                    )
                ],
                logger: CapturingLogHandler.logger("tessera.e2e.server", store: logs),
                customize: { router in AuthServices(flows: flows).register(into: &router) }
            ) { harness in
                try await body(Server(harness: harness, store: store, logs: logs, path: path))
            }
            try await hasher.shutdown()
        }
        switch backend {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-rec-e2e-\(UUID())")
            defer { try? FileManager.default.removeItem(at: directory) }
            let path = directory.appendingPathComponent("t.sqlite").path
            try await SQLiteStore.withStore(configuration: SQLiteStoreConfiguration(path: path)) {
                try await serve($0, path: path)
            }
        case .postgres:
            try await TestPostgres.withTemporaryDatabase { url in
                let configuration = try PostgresStoreConfiguration(url: url, maximumConnections: 8)
                try await PostgresStore.withStore(configuration: configuration) { try await serve($0, path: nil) }
            }
        }
    }

    @Test(
        "invitation → register → verify email → sign in → reset by link and by code; bad input; no secret leaks",
        arguments: Backend.allCases)
    func scriptedRun(backend: Backend) async throws {
        try await Self.withServer(backend) { server in
            let client = try server.harness.client(token: Self.loginService.reveal())
            defer { Task { await client.shutdown() } }
            let email = "invitee-\(UUID().uuidString.prefix(6).lowercased())@example.com"
            let password = "a long and unusual passphrase"
            var needles = [password]

            let created = try await client.createInvitation(role: "viewer", maxUses: 1, email: email)
            needles.append(created.code)
            #expect(created.code.hasPrefix("tsi_"))
            #expect(created.invitation.state == .active && created.invitation.email == email)
            let wrongAddress = try await client.register(
                email: "other@example.com", password: password, invitationCode: created.code)
            #expect(wrongAddress.invitationRefused == .wrongEmail)
            let registered = try await client.register(email: email, password: password, invitationCode: created.code)
            let userID = registered.userID
            #expect(UUID(uuidString: userID) != nil)
            #expect(try await client.invitation(id: created.invitation.id).state == .exhausted)
            #expect(try await client.invitations().map(\.id) == [created.invitation.id])
            #expect(try await client.revokeInvitation(id: created.invitation.id))

            // Sign-in needs a verified address here.
            let unverified = try await client.authenticate(email: email, password: password)
            #expect(unverified.emailNotVerified == Tessera_V1_EmailNotVerified())
            let verification = try await client.requestEmailVerification(userID: userID)
            needles.append(verification.token)
            #expect(try await client.confirmEmail(token: verification.token).userID == userID)
            #expect(try await client.confirmEmail(token: verification.token).refused == .used)
            guard case .session(let session) = try await client.authenticate(email: email, password: password).result
            else {
                Issue.record("no session after verification")
                return
            }
            needles.append(session.refreshToken)

            // Reset by link: the unknown address gets no ticket, the known one does.
            let none = try await client.requestPasswordReset(email: "nobody-\(UUID())@example.com")
            #expect(none.noAccount == Tessera_V1_NoAccount())
            let link = try await client.requestPasswordReset(email: email, clientIP: "192.0.2.1")
            needles.append(link.ticket.secret)
            let newPassword = "an entirely new passphrase"
            needles.append(newPassword)
            let reset = try await client.consumePasswordReset(token: link.ticket.secret, newPassword: newPassword)
            #expect(reset.reset.userID == userID && reset.reset.revokedSessions == 1)
            #expect(
                try await client.consumePasswordReset(token: link.ticket.secret, newPassword: newPassword).refused
                    == .used)
            let revoked = try await client.refresh(token: session.refreshToken)
            #expect(revoked.refused == .revoked)

            // Reset by code.
            let code = try await client.requestPasswordReset(email: email, codeDigits: 6)
            needles.append(code.ticket.secret)
            let third = "a third fresh passphrase"
            needles.append(third)
            let byCode = try await client.consumePasswordReset(
                email: email, code: code.ticket.secret, newPassword: third)
            #expect(byCode.reset.userID == userID)
            guard case .session = try await client.authenticate(email: email, password: third).result else {
                Issue.record("the code reset did not take")
                return
            }

            // Bad input: INVALID_ARGUMENT.
            var corrupted = Array(link.ticket.secret)
            corrupted[12] = corrupted[12] == "a" ? "b" : "a"
            for call in [
                { _ = try await client.consumePasswordReset(token: String(corrupted), newPassword: newPassword) },
                { _ = try await client.consumePasswordReset(token: created.code, newPassword: newPassword) },
                { _ = try await client.requestPasswordReset(email: "not an email") },
                { _ = try await client.requestPasswordReset(email: email, codeDigits: 9) },
                { _ = try await client.confirmEmail(token: "tsv_nope") },
                { _ = try await client.createInvitation(role: "root") },
                { _ = try await client.createInvitation(maxUses: -1) },
                { _ = try await client.createInvitation(ttlSeconds: 10) },
                { _ = try await client.invitation(id: "not-a-uuid") },
                { _ = try await client.register(email: email, password: password, invitationCode: "tsi_bad") },
                { _ = try await client.consumePasswordReset(email: email, code: "12ab56", newPassword: newPassword) },
            ] as [() async throws -> Void] {
                let error = await #expect(throws: TesseraClientError.self) { try await call() }
                #expect(error?.code == .status(.invalidArgument))
            }

            // No secret in the audit payloads, the log, or the database file.
            let entries = try await server.store.auditEntries(after: 0, limit: 10_000)
            #expect(entries.contains { $0.action == "password-reset.completed" })
            for entry in entries {
                for needle in needles {
                    #expect(!entry.payload.values.contains { $0.contains(needle) }, "a secret reached the audit log")
                }
            }
            let lines = server.logs.all
            #expect(!lines.isEmpty)
            for needle in needles {
                #expect(!lines.contains { $0.contains(needle) }, "a secret reached the server's log")
            }
            if let path = server.path {
                var bytes = (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data()
                bytes += (try? Data(contentsOf: URL(fileURLWithPath: path + "-wal"))) ?? Data()
                for needle in needles {
                    #expect(bytes.range(of: Data(needle.utf8)) == nil, "a secret reached the database file")
                }
            }
        }
    }
}
