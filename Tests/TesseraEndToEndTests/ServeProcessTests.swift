import Foundation
import TesseraClient
import TesseraCrypto
import TesseraStore
import TesseraStorePostgres
import TesseraStoreSQLite
import TesseraTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The package's root directory (this file is `Tests/TesseraEndToEndTests/ServeProcessTests.swift`).
private let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The `tessera` executable built beside the test bundle (`.build/debug/tessera`), if the build made it.
let tesseraExecutable: String? = {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = directory.appendingPathComponent("tessera")
        if FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate.path
        }
        directory = directory.deletingLastPathComponent()
    }
    let fallback = packageRoot.appendingPathComponent(".build/debug/tessera")
    return FileManager.default.isExecutableFile(atPath: fallback.path) ? fallback.path : nil
}()

/// `tessera serve` as a real process, over the embedded SQLite file or a real PostgreSQL server, with the
/// persistent keyring; every other process is the real `tessera` CLI or the client library.
@Suite(
    "End to end: tessera serve as a real process",
    .enabled(if: tesseraExecutable != nil, "the tessera executable is built beside the tests"),
    .timeLimit(.minutes(5))
)
struct ServeProcessTests {
    /// The database a scenario runs against.
    enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case sqlite
        case postgres

        var testDescription: String { rawValue }

        /// Runs `body` with the store flags of a fresh, empty database.
        func withDatabase(in directory: URL, _ body: ([String]) async throws -> Void) async throws {
            switch self {
            case .sqlite:
                try await body(["--sqlite-path", directory.appendingPathComponent("tessera.sqlite").path])
            case .postgres:
                try await TestPostgres.withTemporaryDatabase { url in try await body(["--database-url", url]) }
            }
        }
    }

    /// Our environment without any database URL or Tessera setting, so that a child only ever touches the
    /// database a test gives it on its command line.
    static let cleanEnvironment = ProcessInfo.processInfo.environment.filter {
        !$0.key.hasPrefix("TESSERA_") && $0.key != "DATABASE_URL"
    }

    /// Runs `tessera ARGUMENTS` to completion from the package root (so the development keys are found).
    private func tessera(
        _ arguments: [String], environment: [String: String] = [:]
    ) async throws -> ChildProcess.Outcome {
        try await ChildProcess.run(
            try #require(tesseraExecutable), arguments,
            environment: Self.cleanEnvironment.merging(environment) { $1 }, inheriting: false,
            directory: packageRoot.path
        )
    }

    /// A temporary directory for one test, removed afterwards.
    private func withDirectory(_ body: (URL) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-serve-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await body(directory)
    }

    /// A caller allowed everything, in `directory/callers.json`; returns its credential.
    private func addCaller(in directory: URL) async throws -> String {
        let added = try await tessera(
            ["callers", "add", "e2e", "--allow", "*", "--file", directory.appendingPathComponent("callers.json").path]
        )
        #expect(added.status == 0, "callers add: \(added.standardError)")
        let token = added.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!token.isEmpty && !token.contains("\n"))
        #expect(!added.standardError.contains(token))
        return token
    }

    /// A running `tessera serve`, its log file, and its port.
    private struct Server {
        let process: ChildProcess
        let port: Int
        let log: URL

        var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
    }

    /// Starts `tessera serve` on a free port and waits until `tessera health` answers (or the process exits).
    private func startServer(
        in directory: URL, store: [String], token: String, extra: [String] = []
    ) async throws -> Server {
        let port = try FreePort.find()
        let log = directory.appendingPathComponent("serve-\(port).log")
        let process = try ChildProcess.start(
            try #require(tesseraExecutable),
            [
                "serve", "--development", "--port", "\(port)",
                "--callers", directory.appendingPathComponent("callers.json").path,
                "--argon2-workers", "1", "--no-metrics", "--keyring-poll", "0.2",
            ] + store + extra,
            environment: Self.cleanEnvironment, inheriting: false, directory: packageRoot.path, logFile: log.path
        )
        let server = Server(process: process, port: port, log: log)
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline && !process.hasExited {
            let probe = try await tessera(
                ["health", "--port", "\(port)", "--timeout", "5"], environment: ["TESSERA_CREDENTIAL": token]
            )
            if probe.status == 0 { return server }
            try await Task.sleep(for: .milliseconds(200))
        }
        return server
    }

    /// Starts `tessera serve`, runs `body` (which ends by stopping it), and kills the process if `body` fails, so a
    /// failing test leaves no server behind.
    private func withServer(
        in directory: URL, store: [String], token: String, _ body: (Server) async throws -> Void
    ) async throws {
        let server = try await startServer(in: directory, store: store, token: token)
        do {
            try await body(server)
        } catch {
            if !server.process.hasExited {
                server.process.signal(SIGKILL)
                _ = try? await server.process.exitStatus()
            }
            throw error
        }
    }

    /// Sends SIGTERM and expects a clean exit with status 0.
    private func stop(_ server: Server, token: String) async throws {
        server.process.signal(SIGTERM)
        let status = try await server.process.exitStatus()
        #expect(status == 0, "serve: \(server.logText)")
        #expect(!server.logText.contains(token))
    }

    @Test(
        "migrate, serve, call and health against the process; another process's key rotation is used live; SIGTERM exits 0",
        arguments: Backend.allCases
    )
    func serveProcess(backend: Backend) async throws {
        try await withDirectory { directory in
            try await backend.withDatabase(in: directory) { store in
                let migrated = try await tessera(["migrate"] + store)
                #expect(migrated.status == 0, "migrate: \(migrated.standardError)")
                let token = try await addCaller(in: directory)
                try await withServer(in: directory, store: store, token: token) { server in
                    let environment = ["TESSERA_CREDENTIAL": token]

                    // Generous: the probe's default 2 s deadline is for load balancers, not a loaded CI machine.
                    let healthy = try await tessera(
                        ["health", "--port", "\(server.port)", "--timeout", "30"], environment: environment
                    )
                    #expect(healthy.status == 0, "tessera health: \(healthy.standardError)\nserve: \(server.logText)")
                    #expect(healthy.standardOutput.contains("SERVING"))
                    let called = try await tessera(
                        ["call", "tessera.v1.Health/Check", "--json", "{}", "--port", "\(server.port)"],
                        environment: environment
                    )
                    #expect(called.status == 0, "tessera call: \(called.standardError)")
                    let json = try JSONSerialization.jsonObject(with: Data(called.standardOutput.utf8))
                    #expect(json is [String: Any])

                    var configuration = TesseraClient.Configuration(
                        host: "127.0.0.1", port: server.port, credential: .init(token)
                    )
                    configuration.connections = 1
                    configuration.defaultTimeout = .seconds(60)  // generous: CI is two loaded cores
                    let client = try TesseraClient(configuration: configuration)
                    let health = try await client.health()
                    #expect(health.isServing)
                    #expect(health.components.map(\.name) == ["store", "keyring_usage", "keyring", "argon2"])
                    #expect(health.components.allSatisfy { $0.isServing })
                    // A fresh keyring is far below its usage warning: no message.
                    #expect(health.components.first { $0.name == "keyring_usage" }?.message == "")

                    // The keyring is the database's: version 1 was created at first start.
                    let plaintext = Array("sealed by the process".utf8)
                    let first = try await client.seal(plaintext)
                    #expect(try SealedEnvelope(serialized: first).masterKeyVersion == 1)
                    let phc = try await client.hashPassword("correct horse battery staple")
                    #expect(try await client.verifyPassword("correct horse battery staple", against: phc).isValid)

                    // Another process rotates; the server seals under version 2 after a poll, and still opens version 1.
                    let rotated = try await tessera(["keys", "rotate"] + store)
                    #expect(rotated.status == 0, "keys rotate: \(rotated.standardError)")
                    var version: UInt32 = 1
                    let deadline = ContinuousClock.now + .seconds(60)
                    while version == 1 && ContinuousClock.now < deadline {
                        try await Task.sleep(for: .milliseconds(100))
                        version = try SealedEnvelope(serialized: try await client.seal(plaintext)).masterKeyVersion
                    }
                    #expect(version == 2)
                    #expect(try await client.open(first) == plaintext)
                    await client.shutdown()

                    try await stop(server, token: token)
                    // The database URL (which may hold a password) is never logged; a description without it is.
                    if let url = store.last, url.hasPrefix("postgres://") {
                        #expect(!server.logText.contains(url))
                        #expect(server.logText.contains("store=postgres://127.0.0.1:"))
                    }
                    // Stopped: the probe now fails.
                    let after = try await tessera(
                        ["health", "--port", "\(server.port)", "--timeout", "2"], environment: environment
                    )
                    #expect(after.status != 0)
                }
            }
        }
    }

    @Test(
        "serve refuses an unmigrated database and one whose schema is newer than it knows", arguments: Backend.allCases)
    func refusesSchema(backend: Backend) async throws {
        try await withDirectory { directory in
            try await backend.withDatabase(in: directory) { store in
                let token = try await addCaller(in: directory)
                let callers = directory.appendingPathComponent("callers.json").path
                let arguments = ["serve", "--development", "--port", "0", "--no-metrics", "--callers", callers] + store

                let unmigrated = try await tessera(arguments)
                #expect(unmigrated.status != 0)
                #expect(unmigrated.standardError.contains("tessera migrate"), "\(unmigrated.standardError)")

                // A later release migrated the database: this build must not touch it.
                #expect(try await tessera(["migrate"] + store).status == 0)
                try await markSchemaNewer(backend: backend, store: store)
                let newer = try await tessera(arguments)
                #expect(newer.status != 0)
                #expect(newer.standardError.contains("newer"), "\(newer.standardError)")
                #expect(!newer.standardError.contains(token))
            }
        }
    }

    /// Applies one extra migration, unknown to the `tessera` executable, as a later release would.
    private func markSchemaNewer(backend: Backend, store: [String]) async throws {
        let next = max(SQLiteMigrations.all.count, PostgresMigrations.all.count) + 1
        let later = Migration(version: next, name: "from a later release", statements: ["SELECT 1"])
        switch backend {
        case .sqlite:
            let path = try #require(store.last)
            try await SQLiteStore.withStore(
                configuration: SQLiteStoreConfiguration(path: path), migrations: SQLiteMigrations.all + [later]
            ) { _ = try await $0.migrate() }
        case .postgres:
            let url = try #require(store.last)
            try await PostgresStore.withStore(
                configuration: try PostgresStoreConfiguration(url: url), migrations: PostgresMigrations.all + [later]
            ) { _ = try await $0.migrate() }
        }
    }

    @Test("--production refuses the development root key before opening anything")
    func productionRefusesDevelopmentKey() async throws {
        try await withDirectory { directory in
            let token = try await addCaller(in: directory)
            let outcome = try await tessera(
                [
                    "serve", "--port", "0", "--no-metrics", "--production", "--allow-plaintext",
                    "--root-key-file", "keys-dev/root-key.dev",
                    "--callers", directory.appendingPathComponent("callers.json").path,
                    "--sqlite-path", directory.appendingPathComponent("tessera.sqlite").path,
                ]
            )
            #expect(outcome.status != 0)
            #expect(outcome.standardError.lowercased().contains("development"), "\(outcome.standardError)")
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("tessera.sqlite").path))
            #expect(!outcome.standardError.contains(token))
        }
    }
}
