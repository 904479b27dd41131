import Foundation
import Synchronization
import TesseraClient
import TesseraCrypto
import TesseraKeyring
import TesseraStore
import TesseraStorePostgres
import TesseraTestSupport
import TesseraWire
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The package's root directory.
let replicaPackageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The harness of ``ReplicaKeyringTests``: replicas as `tessera serve` processes, their clients, seeding and checks.
extension ReplicaKeyringTests {
    /// A running `tessera serve`.
    struct Server {
        let process: ChildProcess
        let log: URL
        let port: Int?
        var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
    }

    /// Two replicas, their clients (as the admin caller and as an application), and what the test needs to check.
    struct Replicas {
        var servers: [Server]
        let admin: [TesseraClient]
        let app: [TesseraClient]
        let url: String
        let root: RootKey
        let directory: URL
        let adminToken: String
        let viewerToken: String
    }

    func environment(_ root: RootKey) -> [String: String] {
        ServeProcessTests.cleanEnvironment.merging([RootKey.environmentVariable: root.base64EncodedKey()]) { $1 }
    }

    func tessera(_ arguments: [String], environment: [String: String]) async throws -> ChildProcess.Outcome {
        try await ChildProcess.run(
            try #require(tesseraExecutable), arguments, environment: environment, inheriting: false,
            directory: replicaPackageRoot.path
        )
    }

    func startServer(_ index: Int, in directory: URL, url: String, root: RootKey) async throws -> Server {
        let log = directory.appendingPathComponent("serve-\(index)-\(UUID().uuidString.prefix(4)).log")
        let process = try ChildProcess.start(
            try #require(tesseraExecutable),
            [
                "serve", "--development", "--port", "0", "--no-metrics", "--keyring-poll", String(pollSeconds),
                "--callers", directory.appendingPathComponent("callers.json").path, "--argon2-workers", "1",
                "--database-url", url,
            ],
            environment: environment(root), inheriting: false, directory: replicaPackageRoot.path,
            logFile: log.path
        )
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline && !process.hasExited {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let port = TwoProcessRaceTests.listeningPort(in: text) {
                return Server(process: process, log: log, port: port)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return Server(process: process, log: log, port: nil)
    }

    func client(port: Int, token: String) throws -> TesseraClient {
        var configuration = TesseraClient.Configuration(host: "127.0.0.1", port: port, credential: .init(token))
        configuration.connections = 2
        configuration.defaultTimeout = .seconds(60)
        return try TesseraClient(configuration: configuration)
    }

    func addCaller(_ name: String, allow: [String], directory: URL, root: RootKey) async throws -> String {
        let added = try await tessera(
            ["callers", "add", name, "--file", directory.appendingPathComponent("callers.json").path]
                + allow.flatMap { ["--allow", $0] },
            environment: environment(root)
        )
        try #require(added.status == 0, "callers add: \(added.standardError)")
        return added.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// One database, two replicas; stopped with SIGTERM afterwards (each must exit 0 without logging a secret).
    func withReplicas(_ body: (inout Replicas) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-replicas-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let root = RootKey.generate()
        try await TestPostgres.withTemporaryDatabase { url in
            let migrated = try await tessera(["migrate", "--database-url", url], environment: environment(root))
            try #require(migrated.status == 0, "migrate: \(migrated.standardError)")
            let adminToken = try await addCaller("ops-admin", allow: ["*"], directory: directory, root: root)
            let viewerToken = try await addCaller(
                "ops-viewer", allow: ["tessera.v1.Admin/*"], directory: directory, root: root)
            let appToken = try await addCaller(
                "app", allow: ["tessera.v1.Secrets/*", "tessera.v1.Health/*"], directory: directory, root: root)
            var servers: [Server] = []
            defer { for server in servers where !server.process.hasExited { server.process.signal(SIGKILL) } }
            for index in 0..<2 {
                let server = try await startServer(index, in: directory, url: url, root: root)
                servers.append(server)
                try #require(server.port != nil, "serve \(index) did not start: \(server.logText)")
            }
            var replicas = Replicas(
                servers: servers,
                admin: try servers.map { try client(port: $0.port ?? 0, token: adminToken) },
                app: try servers.map { try client(port: $0.port ?? 0, token: appToken) },
                url: url, root: root, directory: directory, adminToken: adminToken, viewerToken: viewerToken
            )
            do {
                try await body(&replicas)
            } catch {
                for client in replicas.admin + replicas.app { await client.shutdown() }
                servers = replicas.servers
                throw error
            }
            for client in replicas.admin + replicas.app { await client.shutdown() }
            servers = replicas.servers
            for server in servers where !server.process.hasExited {
                server.process.signal(SIGTERM)
                #expect(try await server.process.exitStatus() == 0, "serve: \(server.logText)")
                for needle in [adminToken, viewerToken, appToken, root.base64EncodedKey()] {
                    #expect(!server.logText.contains(needle), "a secret reached a server's log")
                }
            }
        }
    }

    /// A keyring over the replicas' database, as a third party (to seed rows and check them).
    func withKeyring<Result: Sendable>(
        _ replicas: Replicas, _ body: (KeyringManager) async throws -> Result
    ) async throws -> Result {
        try await PostgresStore.withStore(configuration: try PostgresStoreConfiguration(url: replicas.url)) { store in
            try await body(try await KeyringManager.start(store: store, rootKey: replicas.root))
        }
    }

    /// Stores `count` provider keys under the active version (one user each); returns plaintexts by row id.
    func seed(_ count: Int, keyring: KeyringManager) async throws -> [UUID: [UInt8]] {
        var plaintexts: [UUID: [UInt8]] = [:]
        for index in 0..<count {
            let user = UserRecord(
                email: "seed-\(index)-\(UUID().uuidString.prefix(8).lowercased())@example.com",
                passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
                createdAt: Date()
            )
            try await keyring.store.createUser(user)
            let plaintext = Array("sk-live-\(index)-\(UUID())".utf8)
            let sealed = try keyring.cipher.seal(
                plaintext, context: try ProviderKeyContext.make(userID: user.id, providerType: "openai"))
            let record = ProviderKeyRecord(
                userID: user.id, providerName: "openai", providerType: "openai",
                encryptedAPIKey: sealed.payload.serialized, encryptedDEK: sealed.wrappedKey.serialized,
                keyLast4Chars: "abcd", createdAt: Date()
            )
            try await keyring.store.createProviderKey(record)
            _ = try await keyring.store.adjustDEKCount(version: Int(sealed.wrappedKey.masterKeyVersion), delta: 1)
            plaintexts[record.id] = plaintext
        }
        return plaintexts
    }

    /// Every seeded key opens, and every one is under `version`.
    func expectAllOpen(_ plaintexts: [UUID: [UInt8]], under version: UInt32, keyring: KeyringManager) async throws {
        try await keyring.refreshIfChanged()
        let references = try await keyring.store.providerDEKs(.notPrefixed([0xFF]), after: nil, limit: 100_000)
        #expect(references.count == plaintexts.count)
        var wrong = 0
        for reference in references {
            let wrapped = try WrappedKey(serialized: reference.encryptedDEK)
            if wrapped.masterKeyVersion != version { wrong += 1 }
            let stored = try #require(
                try await keyring.store.providerKey(userID: reference.userID, providerType: reference.providerType))
            let opened = try keyring.cipher.open(
                wrappedKey: wrapped, payload: try SealedPayload(serialized: stored.encryptedAPIKey),
                context: try ProviderKeyContext.make(userID: reference.userID, providerType: reference.providerType)
            )
            #expect(opened.withUnsafeBytes { Array($0) } == plaintexts[reference.id])
        }
        #expect(wrong == 0, "\(wrong) data keys are not under version \(version)")
    }

    /// A flag the load loops read.
    final class StopFlag: Sendable {
        private let flag = Atomic(false)
        var isSet: Bool { flag.load(ordering: .relaxed) }
        func set() { flag.store(true, ordering: .relaxed) }
    }

    /// Seal/Open round trips on both replicas until `stop` is set; returns (calls, failures).
    func load(_ clients: [TesseraClient], stop: StopFlag) async -> (Int, Int) {
        await withTaskGroup(of: (Int, Int).self) { group in
            for (index, client) in clients.enumerated() {
                for worker in 0..<2 {
                    group.addTask {
                        var calls = 0
                        var failures = 0
                        let context = ["tenant": "t\(index)-\(worker)"]
                        while !stop.isSet {
                            let plaintext = Array("value \(calls)".utf8)
                            do {
                                let sealed = try await client.seal(plaintext, context: context)
                                let opened = try await client.open(sealed, context: context)
                                if opened != plaintext { failures += 1 }
                            } catch {
                                failures += 1
                            }
                            calls += 2
                        }
                        return (calls, failures)
                    }
                }
            }
            return await group.reduce(into: (0, 0)) {
                $0.0 += $1.0; $0.1 += $1.1
            }
        }
    }
}
