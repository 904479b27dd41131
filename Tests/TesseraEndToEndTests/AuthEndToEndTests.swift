import Foundation
import TesseraAdmin
import TesseraAdminServices
import TesseraAudit
import TesseraAuth
import TesseraAuthServices
import TesseraClient
import TesseraCrypto
import TesseraKeyring
import TesseraServer
import TesseraStore
import TesseraStorePostgres
import TesseraStoreSQLite
import TesseraTestSupport
import TesseraWire
import Testing

/// The login flows over real sockets: a real server with the Accounts, Mfa and Sessions services over a real store.
@Suite("End to end: accounts, MFA and sessions over RPC", .timeLimit(.minutes(5)))
struct AuthEndToEndTests {
    enum Backend: String, CaseIterable, CustomTestStringConvertible {
        case sqlite
        case postgres
        var testDescription: String { rawValue }
    }

    /// A login-service caller: the three services, not the administrative methods.
    static let loginService = OpaqueToken.generate(.caller)

    /// Runs `body` with `replicas` servers over stores of one fresh database of `backend`, each with its own flows
    /// (as separate replicas would be), and the SQLite file's path when there is one.
    static func withServers(
        _ backend: Backend,
        replicas: Int = 1,
        graceWindow: Duration = .seconds(10),
        withAdmin: Bool = false,
        _ body: ([Harness], String?) async throws -> Void
    ) async throws {
        let keys = AuthKeys.random()
        let auditKey = AuditSigningKey(material: .random(count: 32))
        let checkpointKey = AuditCheckpointKey(seed: .random(count: 32))
        let cipher = EnvelopeCipher(keyring: try Keyring.generate())
        let caller = CallersFile.Entry(
            id: "login", credentialSHA256: loginService.digest.hex,
            allow: [
                "tessera.v1.Accounts/*", "tessera.v1.Mfa/*", "tessera.v1.Sessions/*", "tessera.v1.Invitations/*",
                "tessera.v1.PasswordResets/*", "tessera.v1.EmailVerification/*",
            ]
        )
        func serve(_ stores: [any TesseraStore], path: String?) async throws {
            _ = try await stores[0].migrate()
            let hasher = try PasswordHasher(
                configuration: .init(policy: try PasswordPolicy(memoryKiB: 1_024, iterations: 1), workers: 2)
            )
            var flows: [AuthFlows] = []
            var providerKeys: [ProviderKeys] = []
            for store in stores {
                providerKeys.append(
                    ProviderKeys(store: store, cipher: cipher, audit: AuditLog(store: store, key: auditKey)))
                var policy = AuthPolicy()
                policy.passwords.screens = [try CommonPasswordList.loadDefault()]
                policy.sessions.graceWindow = graceWindow
                flows.append(
                    try await AuthFlows.make(
                        store: store, hasher: hasher, cipher: cipher, audit: AuditLog(store: store, key: auditKey),
                        keys: keys, policy: policy
                    )
                )
            }
            var admin: AdminService?
            if withAdmin {
                let keyring = try await KeyringManager.start(store: stores[0], rootKey: .generate())
                let audit = AuditLog(store: stores[0], key: auditKey)
                admin = AdminService(
                    administration: KeyringAdministration(
                        keyring: keyring, audit: audit,
                        auditSummary: TreeAuditSummary(
                            store: stores[0], key: auditKey, publicKey: checkpointKey.publicKey
                        )
                    )
                )
            }
            try await nest(Array(zip(flows, providerKeys)), [], caller: caller, admin: admin) { harnesses in
                try await body(harnesses, path)
            }
            try await hasher.shutdown()
        }
        switch backend {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-auth-e2e-\(UUID())")
            defer { try? FileManager.default.removeItem(at: directory) }
            let path = directory.appendingPathComponent("t.sqlite").path
            try await SQLiteStore.withStore(configuration: SQLiteStoreConfiguration(path: path)) { store in
                try await serve(Array(repeating: store, count: replicas), path: path)
            }
        case .postgres:
            try await TestPostgres.withTemporaryDatabase { url in
                let configuration = try PostgresStoreConfiguration(url: url, maximumConnections: 8)
                try await PostgresStore.withStore(configuration: configuration) { first in
                    try await PostgresStore.withStore(configuration: configuration) { second in
                        try await serve(Array([first, second].prefix(max(1, replicas))), path: nil)
                    }
                }
            }
        }
    }

    /// Starts one harness per flows value, nested, then runs `body` with all of them.
    private static func nest(
        _ flows: [(AuthFlows, ProviderKeys)],
        _ started: [Harness],
        caller: CallersFile.Entry,
        admin: AdminService? = nil,
        _ body: ([Harness]) async throws -> Void
    ) async throws {
        guard let first = flows.first else { return try await body(started) }
        try await Harness.with(
            extraCallers: [caller],
            customize: { router in
                AuthServices(flows: first.0).register(into: &router)
                ProviderKeysService(keys: first.1).register(into: &router)
                admin?.register(into: &router)
            }
        ) { harness in
            try await nest(Array(flows.dropFirst()), started + [harness], caller: caller, admin: admin, body)
        }
    }

    @Test(
        "register, sign in, refresh, enrol TOTP, sign in with it, 50 refreshes, a reuse, change password; no secret at rest",
        arguments: Backend.allCases)
    func scriptedRun(backend: Backend) async throws {
        // No grace window: a rotated token presented again is a replay at once.
        try await Self.withServers(backend, graceWindow: .zero) { servers, path in
            let client = try servers[0].client(token: Self.loginService.reveal())
            defer { Task { await client.shutdown() } }
            let email = "alice-\(UUID().uuidString.prefix(6).lowercased())@example.com"
            let password = "a long and unusual passphrase"
            var needles = [password]

            #expect(try await client.register(email: email, password: "password1").passwordRefused == .common)
            let userID = try await client.register(email: email, password: password).userID
            #expect(UUID(uuidString: userID) != nil)
            let wrong = try await client.authenticate(email: email, password: "not it at all")
            #expect(wrong.invalidCredentials == Tessera_V1_InvalidCredentials())
            let unknown = try await client.authenticate(email: "nobody@example.com", password: password)
            #expect(unknown.result == wrong.result)

            let signIn = try await client.authenticate(email: email, password: password, deviceInfo: ["agent": "e2e"])
            guard case .session(let first) = signIn.result else {
                Issue.record("no session: \(signIn)")
                return
            }
            #expect(first.assurance == .aal1)
            #expect(first.role == "user")
            needles.append(first.refreshToken)

            let start = try await client.beginTotpEnrolment(userID: userID)
            #expect(start.qrPng.starts(with: [0x89, 0x50, 0x4E, 0x47]))
            let secret = try TOTPSecret(base32: start.secretBase32)
            needles.append(start.secretBase32)
            let codes = try #require(
                try await client.confirmTotpEnrolment(
                    userID: userID, enrolmentToken: start.enrolmentToken, code: try TOTP.code(for: secret, at: Date())
                )
            )
            needles += codes

            let mfa = try await client.authenticate(email: email, password: password)
            guard case .mfaRequired(let challenge) = mfa.result else {
                Issue.record("no MFA challenge: \(mfa)")
                return
            }
            needles.append(challenge.challengeToken)
            let completed = try await client.completeMfa(challenge: challenge.challengeToken, code: codes[0])
            guard case .session(let strong) = completed.result else {
                Issue.record("MFA with a recovery code failed: \(completed)")
                return
            }
            #expect(strong.assurance == .aal2)
            #expect(try await client.recoveryCodesLeft(userID: userID) == 9)

            var token = strong.refreshToken
            for _ in 0..<50 {
                let refreshed = try await client.refresh(token: token)
                guard case .session(let next) = refreshed.result else {
                    Issue.record("refresh failed: \(refreshed)")
                    return
                }
                needles.append(next.refreshToken)
                token = next.refreshToken
            }
            let sessions = try await client.sessions(userID: userID)
            #expect(sessions.count == 2)
            #expect(sessions.contains { $0.deviceInfo == ["agent": "e2e"] })

            // A reuse: the first session's token, rotated, then presented again. The whole session is revoked.
            let rotated = try await client.refresh(token: first.refreshToken)
            needles.append(rotated.session.refreshToken)
            #expect(try await client.refresh(token: first.refreshToken).refused == .reuseDetected)
            #expect(try await client.refresh(token: rotated.session.refreshToken).refused == .revoked)

            let changed = try await client.changePassword(
                userID: userID, current: password, new: "another long passphrase", keepSessionID: strong.sessionID
            )
            #expect(changed.changed && changed.revokedSessions == 0)
            needles.append("another long passphrase")
            #expect(try await client.refresh(token: token).session.sessionID == strong.sessionID)

            // Bad input: INVALID_ARGUMENT, before the database.
            for call in [
                { _ = try await client.authenticate(email: "not an email", password: password) },
                { _ = try await client.refresh(token: "tsr_" + String(repeating: "A", count: 49)) },
                { _ = try await client.completeMfa(challenge: token, code: "123456") },
            ] as [() async throws -> Void] {
                let error = await #expect(throws: TesseraClientError.self) { try await call() }
                #expect(error?.code == .status(.invalidArgument))
            }
            // The administrative methods need their own grant.
            let denied = await #expect(throws: TesseraClientError.self) { try await client.unlockUser(id: userID) }
            #expect(denied?.code == .status(.permissionDenied))
            let admin = try servers[0].client(token: servers[0].adminToken)
            try await admin.unlockUser(id: userID)
            await admin.shutdown()

            // No secret at rest: the SQLite file (and its WAL) holds none of them.
            if let path {
                var bytes = (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data()
                bytes += (try? Data(contentsOf: URL(fileURLWithPath: path + "-wal"))) ?? Data()
                #expect(!bytes.isEmpty)
                for needle in needles {
                    #expect(bytes.range(of: Data(needle.utf8)) == nil, "a secret reached the database file")
                }
            }
        }
    }

    @Test(
        "20 concurrent refreshes of one token through two replicas: one successor for every caller",
        arguments: Backend.allCases)
    func concurrentRefreshAcrossReplicas(backend: Backend) async throws {
        try await Self.withServers(backend, replicas: 2) { servers, _ in
            let clients = try servers.map { try $0.client(token: Self.loginService.reveal(), connections: 4) }
            let email = "race-\(UUID().uuidString.prefix(6).lowercased())@example.com"
            _ = try await clients[0].register(email: email, password: "a long and unusual passphrase")
            let signIn = try await clients[0].authenticate(email: email, password: "a long and unusual passphrase")
            let token = signIn.session.refreshToken
            let outcomes = try await withThrowingTaskGroup(of: Tessera_V1_RefreshResponse.self) { group in
                for index in 0..<20 {
                    let client = clients[index % clients.count]
                    group.addTask { try await client.refresh(token: token) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let successors = Set(outcomes.map(\.session.refreshToken))
            #expect(outcomes.allSatisfy { $0.session.refreshToken.hasPrefix("tsr_") })
            #expect(successors.count == 1)
            for client in clients { await client.shutdown() }
        }
    }

    @Test("the stateless, auth and admin services together serve every method of the catalog")
    func everyMethodServed() async throws {
        // With the Admin service (tessera.v1.Admin/*: keyring status, rotate, rewrap start/watch/pause, retire,
        // audit summary and verification), as `tessera serve` registers it.
        try await Self.withServers(.sqlite, withAdmin: true) { servers, _ in
            let admin = try servers[0].client(token: servers[0].adminToken)
            for method in MethodCatalog.all {
                // An empty request: every method answers (OK or a status), none is UNIMPLEMENTED.
                do {
                    _ = try await admin.call(method, serializedRequest: Data())
                } catch let error as TesseraClientError {
                    #expect(error.code != .status(.unimplemented), "\(method.name) is not served")
                }
            }
            await admin.shutdown()
        }
    }

    @Test("a service-wide grant leaves out the administrative methods; a grant by name or * covers them")
    func ownGrant() throws {
        let service = try #require(MethodPermission("tessera.v1.Accounts/*"))
        #expect(service.allows(MethodCatalog.accountsAuthenticate))
        #expect(!service.allows(MethodCatalog.accountsUnlockUser))
        #expect(!service.allows(MethodCatalog.accountsDisableUser))
        #expect(
            try #require(MethodPermission("tessera.v1.Accounts/UnlockUser")).allows(MethodCatalog.accountsUnlockUser))
        #expect(try #require(MethodPermission("*")).allows(MethodCatalog.accountsDisableUser))
    }
}
