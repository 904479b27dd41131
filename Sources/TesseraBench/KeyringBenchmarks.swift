import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import SQLiteNIO
import Synchronization
import TesseraAudit
import TesseraClient
import TesseraCrypto
import TesseraKeyring
import TesseraServer
import TesseraStore
import TesseraStorePostgres
import TesseraStoreSQLite
import TesseraTestSupport
import TesseraWire

/// The keyring benchmark (`tessera-bench --only keyring`): the rewrap's throughput over stored provider keys on
/// PostgreSQL and SQLite, beside a plain batched UPDATE of the same rows in the same run (the floor of what the
/// database can write: no unwrap, no wrap, no compare-and-swap, no saved progress), and the p99 of a Seal/Open
/// load over RPC with and without a rewrap running beside it.
public enum KeyringBenchmarks {
    /// What to measure.
    public struct Settings: Sendable {
        /// Provider keys stored (default 100 000).
        public var rows: Int = 100_000
        /// Rows per rewrap batch and per baseline UPDATE (default 1000).
        public var batchSize: Int = 1_000
        /// Seconds of the Seal/Open load without a rewrap.
        public var loadSeconds: Int = 5
        /// Concurrent Seal/Open callers.
        public var loadClients: Int = 8

        /// Creates the default settings.
        public init() {}
    }

    /// Runs both backends.
    /// - Parameters:
    ///   - settings: What to measure.
    ///   - log: Progress lines.
    /// - Returns: The rows.
    public static func run(_ settings: Settings, log: @escaping @Sendable (String) -> Void) async throws
        -> [BenchReport.Row]
    {
        var rows: [BenchReport.Row] = []
        log("keyring: PostgreSQL, \(settings.rows) provider keys")
        rows += try await postgres(settings, log: log)
        log("keyring: SQLite, \(settings.rows) provider keys")
        rows += try await sqlite(settings, log: log)
        return rows
    }

    static func postgres(_ settings: Settings, log: @escaping @Sendable (String) -> Void) async throws
        -> [BenchReport.Row]
    {
        try await TestPostgres.withTemporaryDatabase { url in
            let configuration = try PostgresStoreConfiguration(url: url, maximumConnections: 8)
            return try await PostgresStore.withStore(configuration: configuration) { store in
                _ = try await store.migrate()
                let measured = try await measure(store: store, settings: settings, log: log)
                log("keyring: PostgreSQL baseline, plain batched UPDATE of the same rows")
                let baseline = try await postgresBaseline(configuration: configuration, settings: settings)
                return rows(backend: "PostgreSQL", measured: measured, baseline: baseline, settings: settings)
            }
        }
    }

    static func sqlite(_ settings: Settings, log: @escaping @Sendable (String) -> Void) async throws
        -> [BenchReport.Row]
    {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-bench-kr-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("bench.sqlite").path
        let measured = try await SQLiteStore.withStore(configuration: SQLiteStoreConfiguration(path: path)) { store in
            _ = try await store.migrate()
            return try await measure(store: store, settings: settings, log: log)
        }
        log("keyring: SQLite baseline, plain batched UPDATE of the same rows")
        let baseline = try await sqliteBaseline(path: path, settings: settings)
        return rows(backend: "SQLite", measured: measured, baseline: baseline, settings: settings)
    }

    /// What one backend's run measured.
    struct Measured: Sendable {
        /// Data keys re-wrapped per second.
        var rewrapRate: Double
        /// Seal/Open p99 without a rewrap, and with one.
        var quietP99: Duration
        var busyP99: Duration
        /// Seal/Open calls and failures during the rewrap.
        var busyCalls: Int
        var busyFailures: Int
    }

    static func rows(backend: String, measured: Measured, baseline: Double, settings: Settings) -> [BenchReport.Row] {
        var rows: [BenchReport.Row] = [
            .init(
                name: "\(backend) rewrap of \(settings.rows) provider keys, batches of \(settings.batchSize)",
                value: measured.rewrapRate, unit: "keys/s", baseline: baseline,
                baselineName: "plain batched UPDATE of the same rows (no crypto, no CAS, no progress)", target: 0.5
            ),
            .init(
                name: "\(backend) Seal/Open p99, \(settings.loadClients) callers, during the rewrap",
                value: RpcBenchmarks.milliseconds(measured.busyP99), unit: "ms",
                baseline: RpcBenchmarks.milliseconds(measured.quietP99), baselineName: "the same load without a rewrap"
            ),
            .init(
                name: "\(backend) Seal/Open calls failed during the rewrap (of \(measured.busyCalls))",
                value: Double(measured.busyFailures), unit: "calls"
            ),
        ]
        if backend == "PostgreSQL" {
            rows.append(
                .init(
                    name: "PostgreSQL rewrap rate against the 20k keys/s goal", value: measured.rewrapRate,
                    unit: "keys/s", baseline: 20_000, baselineName: "goal: 20 000 data keys per second", target: 1
                )
            )
        }
        return rows
    }

    /// Seeds the rows, measures the quiet load, rotates, runs the rewrap beside the same load.
    static func measure(store: any TesseraStore, settings: Settings, log: @escaping @Sendable (String) -> Void)
        async throws -> Measured
    {
        let root = RootKey.generate()
        var logger = Logger(label: "tessera.bench.keyring")
        logger.logLevel = .error
        let keyring = try await KeyringManager.start(store: store, rootKey: root, logger: logger)
        try await seed(settings.rows, keyring: keyring, log: log)
        return try await withServer(cipher: keyring.cipher) { client in
            log("keyring: Seal/Open load without a rewrap, \(settings.loadSeconds) s")
            let quiet = try await load(client: client, clients: settings.loadClients) {
                try await Task.sleep(for: .seconds(settings.loadSeconds))
            }
            try await keyring.rotate()
            log("keyring: rewrap beside the same load")
            var elapsed = Duration.zero
            let busy = try await load(client: client, clients: settings.loadClients) {
                let started = ContinuousClock.now
                let result = try await keyring.rewrap(batchSize: settings.batchSize)
                elapsed = ContinuousClock.now - started
                guard result.finished, result.rewrapped == Int64(settings.rows) else {
                    throw RpcBenchmarkError("the rewrap did not move every key: \(result)")
                }
            }
            return Measured(
                rewrapRate: Double(settings.rows) / RpcBenchmarks.seconds(elapsed),
                quietP99: RpcBenchmarks.percentile(quiet.samples, 0.99),
                busyP99: RpcBenchmarks.percentile(busy.samples, 0.99), busyCalls: busy.samples.count + busy.failures,
                busyFailures: busy.failures
            )
        }
    }

    /// Stores `count` provider keys (one user each) sealed under the active version, 1000 per transaction.
    static func seed(_ count: Int, keyring: KeyringManager, log: @escaping @Sendable (String) -> Void) async throws {
        let store = keyring.store
        let cipher = keyring.cipher
        var done = 0
        while done < count {
            let chunk = min(1_000, count - done)
            try await store.transaction { tx in
                for _ in 0..<chunk {
                    let user = UserRecord(
                        email: "bench-\(UUID().uuidString.lowercased())@example.com",
                        passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
                        createdAt: Date()
                    )
                    try await tx.createUser(user)
                    let sealed = try cipher.seal(
                        Array("sk-bench-0123456789abcdef0123456789".utf8),
                        context: try ProviderKeyContext.make(userID: user.id, providerType: "openai")
                    )
                    try await tx.createProviderKey(
                        ProviderKeyRecord(
                            userID: user.id, providerName: "openai", providerType: "openai",
                            encryptedAPIKey: sealed.payload.serialized, encryptedDEK: sealed.wrappedKey.serialized,
                            keyLast4Chars: "cdef", createdAt: Date()
                        )
                    )
                }
                _ = try await tx.adjustDEKCount(version: 1, delta: Int64(chunk))
            }
            done += chunk
            if done % 20_000 == 0 { log("keyring: seeded \(done)") }
        }
    }

    /// Latencies of Seal+Open round trips by `clients` callers while `during` runs.
    static func load(
        client: TesseraClient,
        clients: Int,
        during: () async throws -> Void
    ) async throws -> (samples: [Duration], failures: Int) {
        let stop = StopFlag()
        return try await withThrowingTaskGroup(of: ([Duration], Int).self) { group in
            for index in 0..<clients {
                group.addTask {
                    var samples: [Duration] = []
                    var failures = 0
                    let context = ["bench": "caller-\(index)"]
                    let plaintext = [UInt8](repeating: 0x5A, count: 64)
                    while !stop.isSet {
                        let started = ContinuousClock.now
                        do {
                            let sealed = try await client.seal(plaintext, context: context)
                            _ = try await client.open(sealed, context: context)
                            samples.append(ContinuousClock.now - started)
                        } catch {
                            failures += 1
                        }
                    }
                    return (samples, failures)
                }
            }
            do {
                try await during()
            } catch {
                stop.set()
                group.cancelAll()
                throw error
            }
            stop.set()
            var all: [Duration] = []
            var failures = 0
            for try await (samples, failed) in group {
                all += samples
                failures += failed
            }
            return (all, failures)
        }
    }

    /// A server with the stateless services over `cipher`, and a client of it.
    static func withServer<Result: Sendable>(
        cipher: EnvelopeCipher,
        _ body: (TesseraClient) async throws -> Result
    ) async throws -> Result {
        let hasher = try PasswordHasher(configuration: .init(workers: 1))
        let token = OpaqueToken.generate(.caller)
        let registry = try CallerRegistry(
            file: CallersFile(callers: [.init(id: "bench", credentialSHA256: token.digest.hex, allow: ["*"])])
        )
        var configuration = ServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        let server = TesseraServer(
            configuration: configuration, router: StatelessServices(hasher: hasher, cipher: cipher).router(),
            callers: registry, hasher: hasher,
            logger: Logger(label: "tessera.bench.server", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        let serverTask = Task { try await server.run() }
        defer { server.shutdownGracefully() }
        guard let port = try await server.listeningAddress().port else {
            throw RpcBenchmarkError("the server's socket has no port")
        }
        let targets = RpcBenchmarks.Targets(
            tesseraPort: port, echoPort: 0, credential: TesseraClient.Credential(token.reveal()), token: token.reveal()
        )
        let client = try targets.client(port: port, connections: 4)
        do {
            let result = try await body(client)
            await client.shutdown()
            server.shutdownGracefully()
            try await serverTask.value
            try await hasher.shutdown()
            return result
        } catch {
            await client.shutdown()
            server.shutdownGracefully()
            _ = try? await serverTask.value
            try? await hasher.shutdown()
            throw error
        }
    }
}

/// A flag the load loops read.
final class StopFlag: Sendable {
    private let flag = Synchronization.Atomic(false)
    var isSet: Bool { flag.load(ordering: .relaxed) }
    func set() { flag.store(true, ordering: .relaxed) }
}
