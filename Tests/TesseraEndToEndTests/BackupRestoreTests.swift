import Foundation
import TesseraClient
import TesseraCrypto
import TesseraStorePostgres
import TesseraTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The backup and restore procedure of docs/operations.md, step by step: a PostgreSQL cluster set up with
/// `ops/postgres/bootstrap.sql`, served by `tessera serve` as the runtime role, holding users, provider keys and
/// caller-stored secrets under two master key versions and their audit entries; `pg_dump` as the migration role;
/// `pg_restore` into a new cluster; `tessera serve` on it with the same root key opens every secret and
/// `tessera audit verify` passes; another root key is refused with one line.
@Suite(
    "End to end: backup with pg_dump, restore into a new cluster",
    .enabled(if: tesseraExecutable != nil, "the tessera executable is built beside the tests"),
    .timeLimit(.minutes(8))
)
struct BackupRestoreTests {
    private static let bootstrap = endToEndPackageRoot.appendingPathComponent("ops/postgres/bootstrap.sql").path
    private static let password = "a long and unusual passphrase"

    /// A user with a provider key, or a value a caller stored, and what must come back out.
    private struct Stored {
        var emails: [String] = []
        var providerKeys: [(userID: String, apiKey: String)] = []
        var secrets: [(sealed: [UInt8], plaintext: String)] = []
    }

    /// `psql -X -q -v ON_ERROR_STOP=1 -d URL -f ops/postgres/bootstrap.sql`, as the cluster's superuser.
    private func applyBootstrap(_ cluster: TestPostgresCluster) async throws {
        try await cluster.run(
            "psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", cluster.url, "-f", Self.bootstrap]
        )
    }

    @Test("pg_dump, pg_restore into a new cluster, serve with the same root key: every secret opens, audit verifies")
    func dumpAndRestore() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-backup-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let root = RootKey.generate()
        let environment = [RootKey.environmentVariable: root.base64EncodedKey()]
        let callers = directory.appendingPathComponent("callers.json").path
        let added = try await tessera(["callers", "add", "ops", "--allow", "*", "--file", callers], environment: [:])
        try #require(added.status == 0, "callers add: \(added.standardError)")
        let token = added.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        let dump = directory.appendingPathComponent("tessera.dump").path

        // The source: bootstrap, migrate as the migration role, bootstrap again, serve as the runtime role.
        let source = try await TestPostgresCluster.start()
        try await applyBootstrap(source)
        let migrated = try await tessera(
            ["migrate", "--database-url", source.url(user: "tessera_migrate")], environment: environment)
        try #require(migrated.status == 0, "migrate: \(migrated.standardError)")
        try await applyBootstrap(source)
        let runtime = ["--database-url", source.url(user: "tessera_app")]
        var stored = Stored()
        try await withServer(runtime, callers: callers, directory: directory, environment: environment) { port in
            try await withClient(port: port, token: token) { client in
                try await seed(3, into: &stored, client: client)
                let rotated = try await tessera(["keys", "rotate"] + runtime, environment: environment)
                #expect(rotated.standardOutput.contains("version 2 is now active"), "\(rotated.standardError)")
                try await waitForVersion(2, client: client)
                try await seed(2, into: &stored, client: client)
            }
        }
        // Data keys under both versions: 3 provider keys under 1, 2 under 2.
        let counts = try await PostgresStore.withStore(
            configuration: try PostgresStoreConfiguration(url: source.url(user: "tessera_app"))
        ) { try await $0.masterKeyVersions().map(\.dekCount) }
        #expect(counts == [3, 2], "data keys per version: \(counts)")
        let status = try await tessera(["keys", "status"] + runtime, environment: environment)
        #expect(status.status == 0, "keys status: \(status.standardError)")
        let beforeVerify = try await tessera(["audit", "verify"] + runtime, environment: environment)
        #expect(beforeVerify.standardOutput.contains("audit log intact"), "\(beforeVerify.standardError)")
        // The signed checkpoints, kept outside the database as an operator ships them: the restore must reach them.
        let checkpoints = try await tessera(["audit", "checkpoints"] + runtime, environment: environment)
        #expect(checkpoints.status == 0 && !checkpoints.standardOutput.isEmpty, "\(checkpoints.standardError)")
        let checkpointFile = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-cp-\(UUID())")
        defer { try? FileManager.default.removeItem(at: checkpointFile) }
        try Data(checkpoints.standardOutput.utf8).write(to: checkpointFile)

        // Backup of Tessera's four schemas, as the migration role (it owns every object in them, so it reads every row).
        try await source.run(
            "pg_dump",
            [
                "--format=custom", "--schema=auth", "--schema=providers", "--schema=audits", "--schema=tessera",
                "--file=\(dump)", "--dbname=\(source.url(user: "tessera_migrate"))",
            ]
        )
        try await source.stop()

        // Restore into a new cluster: roles and schemas first (the bootstrap), then the dump as the migration role
        // without its four CREATE SCHEMA entries (they exist now), then the runtime role's narrowing.
        let target = try await TestPostgresCluster.start()
        try await applyBootstrap(target)
        let list = directory.appendingPathComponent("tessera.list")
        try await target.run("pg_restore", ["--list", "--file=\(list.path)", dump])
        let entries = try String(contentsOf: list, encoding: .utf8).split(
            separator: "\n", omittingEmptySubsequences: false)
        let kept = entries.filter { !$0.contains(" SCHEMA - ") }
        #expect(
            entries.count - kept.count == 4,
            "schema entries in the dump: \(entries.filter { $0.contains(" SCHEMA - ") })")
        try kept.joined(separator: "\n").write(to: list, atomically: true, encoding: .utf8)
        try await target.run(
            "pg_restore",
            [
                "--exit-on-error", "--no-owner", "--role=tessera_migrate", "--use-list=\(list.path)",
                "--dbname=\(target.url)", dump,
            ]
        )
        try await applyBootstrap(target)
        let restored = ["--database-url", target.url(user: "tessera_app")]

        let verify = try await tessera(
            ["audit", "verify", "--against", checkpointFile.path] + restored, environment: environment
        )
        #expect(verify.status == 0, "audit verify: \(verify.standardError)")
        #expect(verify.standardOutput.contains("audit log intact"), "\(verify.standardOutput)")
        #expect(verify.standardOutput.contains("external checkpoints matched"), "\(verify.standardOutput)")
        let restoredStatus = try await tessera(["keys", "status"] + restored, environment: environment)
        #expect(restoredStatus.standardOutput == status.standardOutput, "\(restoredStatus.standardError)")

        // Served with the same root key: every provider key and every stored secret opens.
        try await withServer(restored, callers: callers, directory: directory, environment: environment) { port in
            try await withClient(port: port, token: token) { client in
                for (userID, apiKey) in stored.providerKeys {
                    #expect(try await client.providerKey(userID: userID, providerType: "openai").apiKey == apiKey)
                }
                for (sealed, plaintext) in stored.secrets {
                    #expect(try await client.open(sealed, context: ["app": "backup"]) == Array(plaintext.utf8))
                }
                // The restored accounts sign in with their passwords (hashes, lockout state and sessions restored).
                let signIn = try await client.authenticate(
                    email: try #require(stored.emails.first), password: Self.password)
                #expect(signIn.session.refreshToken.isEmpty == false, "\(signIn)")
            }
        }
        // The CLI opens them too, against the restored database.
        for (sealed, plaintext) in stored.secrets {
            let opened = try await tessera(
                ["secret", "open", Data(sealed).base64EncodedString(), "--context", "app=backup"] + restored,
                environment: environment)
            #expect(opened.standardOutput == plaintext, "secret open: \(opened.standardError)")
        }

        // Another root key: refused with one line naming it, non-zero, for the server and the commands alike.
        let other = [RootKey.environmentVariable: RootKey.generate().base64EncodedKey()]
        let wrongStatus = try await tessera(["keys", "status"] + restored, environment: other)
        #expect(wrongStatus.status != 0)
        #expect(wrongStatus.standardError.split(separator: "\n").count == 1, "\(wrongStatus.standardError)")
        #expect(wrongStatus.standardError.contains("rootKeyMismatch"), "\(wrongStatus.standardError)")
        let wrongVerify = try await tessera(["audit", "verify"] + restored, environment: other)
        #expect(wrongVerify.status != 0, "the audit chain verified under another root key")
        let log = directory.appendingPathComponent("serve-wrong-root.log")
        let refused = try ChildProcess.start(
            try #require(tesseraExecutable),
            ["serve", "--development", "--port", "0", "--no-metrics", "--callers", callers] + restored,
            environment: ServeProcessTests.cleanEnvironment.merging(other) { $1 }, inheriting: false,
            directory: endToEndPackageRoot.path, logFile: log.path
        )
        #expect(try await refused.exitStatus() != 0, "serve started with another root key")
        let refusal = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(refusal.contains("rootKeyMismatch"), "\(refusal)")
        #expect(!refusal.contains("listening"), "\(refusal)")
        try await target.stop()
    }

    /// Registers `count` users, each with a provider key, and seals one caller value per user (Secrets/Seal).
    private func seed(_ count: Int, into stored: inout Stored, client: TesseraClient) async throws {
        for _ in 0..<count {
            let email = "backup-\(UUID().uuidString.prefix(8).lowercased())@example.com"
            let userID = try await client.register(email: email, password: Self.password).userID
            stored.emails.append(email)
            let apiKey = "sk-live-\(UUID().uuidString)"
            _ = try await client.putProviderKey(userID: userID, providerType: "openai", apiKey: apiKey)
            stored.providerKeys.append((userID, apiKey))
            let plaintext = "caller-secret-\(UUID().uuidString)"
            stored.secrets.append((try await client.seal(Array(plaintext.utf8), context: ["app": "backup"]), plaintext))
        }
    }

    /// Waits until the server seals under `version` (it sees a rotation within its 1 s poll).
    private func waitForVersion(_ version: UInt32, client: TesseraClient) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let probe = try await client.seal(Array("probe".utf8), context: ["app": "probe"])
            if try SealedEnvelope(serialized: probe).masterKeyVersion == version { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        Issue.record("the server did not seal under version \(version) in time")
    }

    private func withClient(port: Int, token: String, _ body: (TesseraClient) async throws -> Void) async throws {
        var configuration = TesseraClient.Configuration(host: "127.0.0.1", port: port, credential: .init(token))
        configuration.defaultTimeout = .seconds(60)
        let client = try TesseraClient(configuration: configuration)
        do {
            try await body(client)
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
    }

    /// Runs `tessera serve --development` on `database`, gives `body` its port, then stops it with SIGTERM (it
    /// must exit 0 and log no secret).
    private func withServer(
        _ database: [String], callers: String, directory: URL, environment: [String: String],
        _ body: (Int) async throws -> Void
    ) async throws {
        let log = directory.appendingPathComponent("serve-\(UUID().uuidString.prefix(6)).log")
        let process = try ChildProcess.start(
            try #require(tesseraExecutable),
            ["serve", "--development", "--port", "0", "--no-metrics", "--keyring-poll", "1", "--callers", callers]
                + database,
            environment: ServeProcessTests.cleanEnvironment.merging(environment) { $1 }, inheriting: false,
            directory: endToEndPackageRoot.path, logFile: log.path
        )
        defer { if !process.hasExited { process.signal(SIGKILL) } }
        let logText = { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
        var port: Int?
        let deadline = ContinuousClock.now + .seconds(120)
        while port == nil && ContinuousClock.now < deadline && !process.hasExited {
            port = TwoProcessRaceTests.listeningPort(in: logText())
            if port == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        try await body(try #require(port, "serve did not start: \(logText())"))
        process.signal(SIGTERM)
        #expect(try await process.exitStatus() == 0, "serve: \(logText())")
        for needle in ["sk-live-", "caller-secret-", environment[RootKey.environmentVariable] ?? "-"] {
            #expect(!logText().contains(needle), "a secret reached the server's log")
        }
    }
}
