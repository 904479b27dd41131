import Foundation
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

/// Stored provider keys over real sockets: a real server with the Accounts and ProviderKeys services over a real
/// store and the persistent keyring; `Get` needs its own grant and is audited with the caller; bad input is
/// INVALID_ARGUMENT; a key moved to another user's row does not open; no API key reaches a log or an error.
@Suite("End to end: provider keys over RPC", .timeLimit(.minutes(5)))
struct ProviderKeysEndToEndTests {
    enum Backend: String, CaseIterable, CustomTestStringConvertible {
        case sqlite
        case postgres
        var testDescription: String { rawValue }
    }

    /// The login service: accounts and every provider-key method but `Get`.
    static let loginService = OpaqueToken.generate(.caller)
    /// The provider proxy: `Get` only.
    static let providerProxy = OpaqueToken.generate(.caller)

    struct Server {
        let harness: Harness
        let store: any TesseraStore
        let logs: CapturingLogHandler.Store
    }

    static func withServer(_ backend: Backend, _ body: (Server) async throws -> Void) async throws {
        func serve(_ store: any TesseraStore) async throws {
            _ = try await store.migrate()
            let audit = AuditLog(store: store, key: AuditSigningKey(material: .random(count: 32)))
            let keyring = try await KeyringManager.start(store: store, rootKey: .generate(), audit: audit)
            let hasher = try PasswordHasher(
                configuration: .init(policy: try PasswordPolicy(memoryKiB: 1_024, iterations: 1), workers: 2)
            )
            let flows = try await AuthFlows.make(
                store: store, hasher: hasher, cipher: keyring.cipher, audit: audit, keys: .random()
            )
            let keys = ProviderKeys(keyring: keyring, audit: audit)
            let logs = CapturingLogHandler.Store()
            try await Harness.with(
                extraCallers: [
                    CallersFile.Entry(
                        id: "login", credentialSHA256: loginService.digest.hex,
                        allow: ["tessera.v1.Accounts/*", "tessera.v1.ProviderKeys/*"]
                    ),
                    CallersFile.Entry(
                        id: "provider-proxy", credentialSHA256: providerProxy.digest.hex,
                        allow: ["tessera.v1.ProviderKeys/Get"]
                    ),
                ],
                logger: CapturingLogHandler.logger("tessera.e2e.server", store: logs),
                customize: { router in
                    AuthServices(flows: flows).register(into: &router)
                    ProviderKeysService(keys: keys).register(into: &router)
                }
            ) { harness in
                try await body(Server(harness: harness, store: store, logs: logs))
            }
            try await hasher.shutdown()
        }
        switch backend {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-pk-e2e-\(UUID())")
            defer { try? FileManager.default.removeItem(at: directory) }
            let path = directory.appendingPathComponent("t.sqlite").path
            try await SQLiteStore.withStore(configuration: SQLiteStoreConfiguration(path: path)) { try await serve($0) }
        case .postgres:
            try await TestPostgres.withTemporaryDatabase { url in
                let configuration = try PostgresStoreConfiguration(url: url, maximumConnections: 8)
                try await PostgresStore.withStore(configuration: configuration) { try await serve($0) }
            }
        }
    }

    static func apiKey() -> String { "sk-e2e-MARKER-" + UUID().uuidString }

    @Test(
        "put, list, get (its own grant, audited with the caller), replace, delete; no key in logs or errors",
        arguments: Backend.allCases)
    func scriptedRun(backend: Backend) async throws {
        try await Self.withServer(backend) { server in
            let login = try server.harness.client(token: Self.loginService.reveal())
            let proxy = try server.harness.client(token: Self.providerProxy.reveal())
            defer {
                Task {
                    await login.shutdown()
                    await proxy.shutdown()
                }
            }
            let userID = try await login.register(
                email: "pk-\(UUID().uuidString.prefix(8).lowercased())@example.com",
                password: "a long and unusual passphrase"
            ).userID
            let first = Self.apiKey()
            let second = Self.apiKey()
            var needles = [first, second]

            let put = try await login.putProviderKey(
                userID: userID, providerType: "openai", apiKey: first, displayName: "OpenAI", modelName: "gpt-4o")
            #expect(!put.replaced)
            #expect(put.key.keyLast4Chars == String(first.suffix(4)))
            let listed = try await login.providerKeys(userID: userID)
            #expect(listed.map(\.providerType) == ["openai"])
            #expect(listed.first?.displayName == "OpenAI")
            #expect(listed.first?.modelName == "gpt-4o")

            // Get is the proxy's alone: ProviderKeys/* does not grant it, and the proxy may do nothing else.
            let denied = await #expect(throws: TesseraClientError.self) {
                _ = try await login.providerKey(userID: userID, providerType: "openai")
            }
            #expect(denied?.code == .status(.permissionDenied))
            let refused = await #expect(throws: TesseraClientError.self) {
                _ = try await proxy.putProviderKey(userID: userID, providerType: "openai", apiKey: second)
            }
            #expect(refused?.code == .status(.permissionDenied))
            let got = try await proxy.providerKey(userID: userID, providerType: "openai")
            #expect(got.apiKey == first)
            #expect(got.modelName == "gpt-4o")

            #expect(try await login.putProviderKey(userID: userID, providerType: "openai", apiKey: second).replaced)
            #expect(try await proxy.providerKey(userID: userID, providerType: "openai").apiKey == second)

            // Bad input: INVALID_ARGUMENT, the key never echoed.
            let bad = "sk-with a space-" + UUID().uuidString
            needles.append(bad)
            for call in [
                { _ = try await login.putProviderKey(userID: userID, providerType: "openai", apiKey: bad) },
                { _ = try await login.putProviderKey(userID: userID, providerType: "Open AI", apiKey: second) },
                { _ = try await login.putProviderKey(userID: "not-a-uuid", providerType: "openai", apiKey: second) },
                { _ = try await proxy.providerKey(userID: userID, providerType: "") },
                { _ = try await login.providerKeys(userID: "") },
            ] as [() async throws -> Void] {
                let error = await #expect(throws: TesseraClientError.self) { try await call() }
                #expect(error?.code == .status(.invalidArgument))
                #expect(!"\(String(describing: error))".contains(bad))
            }
            let missing = await #expect(throws: TesseraClientError.self) {
                _ = try await proxy.providerKey(userID: userID, providerType: "mistral")
            }
            #expect(missing?.code == .status(.notFound))
            #expect(try await proxy.providerKey(userID: userID, providerType: "openai").apiKey == second)

            #expect(try await login.deleteProviderKey(userID: userID, providerType: "openai"))
            #expect(try await login.providerKeys(userID: userID).isEmpty)

            // Every Get is in the audit log with the caller's name; no entry holds a key.
            let entries = try await server.store.auditEntries(after: 0, limit: 1_000)
            let opened = entries.filter { $0.action == "provider_key.opened" }
            #expect(opened.count == 3)
            #expect(opened.allSatisfy { $0.payload["caller"] == "provider-proxy" })
            #expect(
                entries.filter { $0.action == "provider_key.stored" }.allSatisfy { $0.payload["caller"] == "login" })
            for entry in entries {
                for needle in needles {
                    #expect(!entry.payload.values.contains { $0.contains(needle) })
                }
            }
            let lines = server.logs.all
            #expect(!lines.isEmpty)
            for needle in needles {
                #expect(!lines.contains { $0.contains(needle) }, "an API key reached the server's log")
            }
        }
    }

    @Test(
        "a sealed key copied to another user's row or another provider's is refused through the service",
        arguments: Backend.allCases)
    func contextBinding(backend: Backend) async throws {
        try await Self.withServer(backend) { server in
            let login = try server.harness.client(token: Self.loginService.reveal())
            let proxy = try server.harness.client(token: Self.providerProxy.reveal())
            defer {
                Task {
                    await login.shutdown()
                    await proxy.shutdown()
                }
            }
            var users: [String] = []
            for _ in 0..<2 {
                users.append(
                    try await login.register(
                        email: "pk-\(UUID().uuidString.prefix(8).lowercased())@example.com",
                        password: "a long and unusual passphrase"
                    ).userID)
            }
            let secret = Self.apiKey()
            _ = try await login.putProviderKey(userID: users[0], providerType: "openai", apiKey: secret)
            _ = try await login.putProviderKey(userID: users[0], providerType: "mistral", apiKey: Self.apiKey())
            _ = try await login.putProviderKey(userID: users[1], providerType: "openai", apiKey: Self.apiKey())
            let alice = try #require(UUID(uuidString: users[0]))
            let bob = try #require(UUID(uuidString: users[1]))
            let stolen = try #require(try await server.store.providerKey(userID: alice, providerType: "openai"))
            for (user, type) in [(bob, "openai"), (alice, "mistral")] {
                var row = try #require(try await server.store.providerKey(userID: user, providerType: type))
                row.encryptedAPIKey = stolen.encryptedAPIKey
                row.encryptedDEK = stolen.encryptedDEK
                try await server.store.updateProviderKey(row)
                let error = await #expect(throws: TesseraClientError.self) {
                    _ = try await proxy.providerKey(userID: user.uuidString, providerType: type)
                }
                #expect(error?.code == .status(.failedPrecondition))
                #expect(!"\(String(describing: error))".contains(secret))
            }
            #expect(try await proxy.providerKey(userID: users[0], providerType: "openai").apiKey == secret)
        }
    }
}
