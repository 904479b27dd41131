import Foundation
import Logging
import TesseraAudit
import TesseraAuth
import TesseraAuthServices
import TesseraClient
import TesseraCrypto
import TesseraServer
import TesseraStorePostgres
import TesseraTestSupport

/// Benchmarks of the login flows over real sockets: a real server with the Accounts, Mfa and Sessions services over
/// a throwaway PostgreSQL, called by ``TesseraClient``, each measurement beside a baseline from the same run.
///
/// - `Accounts/Authenticate` (successful sign-ins) per second against the raw Argon2 verify on all cores, at the
///   server's default policy on both sides, alternating in rounds.
/// - `Sessions/Refresh` per second at 1, 4 and 16 clients, each refreshing its own session, against pgbench running
///   the same SQL (``AuthRefreshPgbench``), alternating in rounds; p50 and p99 beside pgbench's.
/// - The median latency of `Authenticate` for an unknown email beside that of a wrong password, the calls
///   alternated on one connection: an attacker must not tell them apart.
///
/// The server is assembled as `tessera serve` assembles it (default hasher and policy, `hashingQueueFull` wired to
/// the hasher), with two differences: its store pool holds as many connections as the largest refresh level (serve's
/// default is 4), and the client sends no client address, so the per-address limit on `Authenticate` does not apply.
/// Nothing logs during the run, and no password or token is ever printed.
public enum AuthBenchmarks {
    /// How long and how hard each measurement runs.
    public struct Settings: Sendable {
        /// Wall-clock time per round of each side.
        public var duration: Duration
        /// Argon2 worker threads of the server, and threads of the raw baseline.
        public var cores: Int
        /// Rounds per side of `Authenticate` against the raw verify.
        public var authenticateRounds: Int = 6
        /// Rounds per side of `Refresh` against pgbench, at each level.
        public var refreshRounds: Int = Alternation.defaultRounds
        /// The numbers of concurrent refresh clients.
        public var refreshClients: [Int] = [1, 4, 16]
        /// Pairs of calls (one unknown email, one wrong password) of the enumeration measurement.
        public var enumerationPairs: Int = 150

        /// Creates settings; the defaults take about three minutes in all.
        public init(duration: Duration = .seconds(3), cores: Int = ProcessInfo.processInfo.activeProcessorCount) {
            self.duration = duration
            self.cores = max(1, cores)
        }
    }

    /// Runs the three measurements and returns their rows.
    ///
    /// - Parameters:
    ///   - settings: Durations and load.
    ///   - log: Progress lines.
    /// - Returns: The rows, in the order measured.
    /// - Throws: ``RpcBenchmarkError`` when a call that must succeed does not, or what starting PostgreSQL, pgbench
    ///   or the server throws.
    public static func run(_ settings: Settings, log: @escaping @Sendable (String) -> Void) async throws
        -> [BenchReport.Row]
    {
        let pgbench = try Pgbench.locate()
        log("auth: starting a throwaway PostgreSQL server (initdb + pg_ctl)")
        return try await TestPostgres.withTemporaryDatabase { url in
            let configuration = try PostgresStoreConfiguration(
                url: url, maximumConnections: settings.refreshClients.max() ?? 1
            )
            return try await PostgresStore.withStore(configuration: configuration) { store in
                _ = try await store.migrate()
                let bench = try await Bench.start(store: store, settings: settings)
                do {
                    let rows = try await bench.rows(url: url, pgbench: pgbench, store: store, log: log)
                    try await bench.stop()
                    return rows
                } catch {
                    try? await bench.stop()
                    throw error
                }
            }
        }
    }
}

extension AuthBenchmarks {
    /// A running server with the login services over the store, a client credential, and accounts to sign in with.
    struct Bench: Sendable {
        let settings: Settings
        let server: TesseraServer
        let serverTask: Task<Void, any Error>
        let hasher: PasswordHasher
        let flows: AuthFlows
        let targets: RpcBenchmarks.Targets
        /// The password of every benchmark account (random per run; never printed).
        let password: String

        /// Builds the flows and the server as `tessera serve` does, and starts the server.
        static func start(store: PostgresStore, settings: Settings) async throws -> Bench {
            // The server's default policy (m=19456 KiB, t=2, p=1), the default queue, a worker per core.
            let hasher = try PasswordHasher(configuration: .init(policy: .default, workers: settings.cores))
            let cipher = EnvelopeCipher(keyring: try Keyring.generate())
            let audit = AuditLog(store: store, key: AuditSigningKey(material: .random(count: 32)))
            let flows = try await AuthFlows.make(
                store: store, hasher: hasher, cipher: cipher, audit: audit, keys: .random(),
                // The reset rows alternate hundreds of requests: the limits would refuse them.
                policy: AuthPolicy(
                    resets: PasswordResetPolicy(requestsPerAccountPerHour: 100, requestsPerAddressPerMinute: 0))
            )
            var router = StatelessServices(hasher: hasher, cipher: cipher).router()
            let passwords = PasswordsService(hasher: hasher)
            AuthServices(flows: flows, hashingQueueFull: { passwords.queueIsFull() }).register(into: &router)
            let token = OpaqueToken.generate(.caller)
            let registry = try CallerRegistry(
                file: CallersFile(
                    callers: [
                        .init(
                            id: "login", credentialSHA256: token.digest.hex,
                            allow: [
                                "tessera.v1.Accounts/*", "tessera.v1.Sessions/*", "tessera.v1.Invitations/*",
                                "tessera.v1.PasswordResets/*",
                            ]
                        )
                    ]
                )
            )
            var configuration = ServerConfiguration()
            configuration.host = "127.0.0.1"
            configuration.port = 0
            let server = TesseraServer(
                configuration: configuration, router: router, callers: registry, hasher: hasher,
                logger: Logger(label: "tessera.bench.server", factory: { _ in SwiftLogNoOpLogHandler() })
            )
            let serverTask = Task { try await server.run() }
            guard let port = try await server.listeningAddress().port else {
                server.shutdownGracefully()
                throw RpcBenchmarkError("the server's socket has no port")
            }
            let targets = RpcBenchmarks.Targets(
                tesseraPort: port, echoPort: 0, credential: TesseraClient.Credential(token.reveal()),
                token: token.reveal()
            )
            return Bench(
                settings: settings, server: server, serverTask: serverTask, hasher: hasher, flows: flows,
                targets: targets, password: OpaqueToken.generate(.caller).reveal()
            )
        }

        /// Shuts the server and the hasher down.
        func stop() async throws {
            server.shutdownGracefully()
            try await serverTask.value
            try await hasher.shutdown()
        }

        /// A client of the server with `connections` connections.
        func client(connections: Int) throws -> TesseraClient {
            try targets.client(port: targets.tesseraPort, connections: connections)
        }

        /// Registers `count` accounts with ``password`` and returns their emails.
        func register(_ count: Int, prefix: String, with client: TesseraClient) async throws -> [String] {
            var emails: [String] = []
            for _ in 0..<count {
                let email = "\(prefix)-\(UUID().uuidString.prefix(13).lowercased())@example.com"
                let response = try await client.register(email: email, password: password)
                guard !response.userID.isEmpty else {
                    throw RpcBenchmarkError("registering a benchmark account failed: \(response.passwordRefused)")
                }
                emails.append(email)
            }
            return emails
        }

        /// Measures the groups, in order.
        func rows(url: String, pgbench: Pgbench, store: PostgresStore, log: @escaping @Sendable (String) -> Void)
            async throws -> [BenchReport.Row]
        {
            let client = try self.client(connections: 2)
            do {
                log("auth: registering the benchmark accounts")
                let signers = try await register(
                    max(settings.cores * 3, settings.refreshClients.max() ?? 1), prefix: "bench", with: client
                )
                var rows = try await authenticateRows(accounts: signers, client: client, log: log)
                rows += try await refreshRows(
                    accounts: signers, url: url, pgbench: pgbench, store: store, signIn: client, log: log
                )
                rows += try await enumerationRows(client: client, log: log)
                rows += try await resetEnumerationRows(client: client, log: log)
                rows += try await invitationRows(clients: max(2, settings.cores * 2), log: log)
                await client.shutdown()
                return rows
            } catch {
                await client.shutdown()
                throw error
            }
        }
    }
}
