import Dispatch
import Foundation
import Logging
import NIOCore
import TesseraClient
import TesseraCrypto
import TesseraServer
import TesseraWire

/// Benchmarks of the service over real sockets on 127.0.0.1: a load generator built on ``TesseraClient`` against
/// an in-process `TesseraServer`, each measurement beside a floor measured in the same run.
///
/// - Latency and throughput of `Health/Check` and `Secrets/Seal` (64 bytes) beside ``EchoServer``, the same
///   framing with nothing behind it, called by the same client code.
/// - `Passwords/Hash` throughput beside the raw Argon2 C call on all cores.
/// - A flood of concurrent `Hash` calls from another process (``FloodClient``): memory growth, refusals and
///   `Health/Check` latency meanwhile.
///
/// The server logs nothing during the run (a no-op logger), so that the numbers measure the server and not the
/// terminal.
public enum RpcBenchmarks {
    /// How long and how hard each measurement runs.
    public struct Settings: Sendable {
        /// Wall-clock time per measurement.
        public var duration: Duration
        /// Argon2 worker threads of the server, and threads of the raw baseline.
        public var cores: Int
        /// Connections of the throughput client.
        public var connections: Int = 16
        /// Calls each connection keeps in flight in the throughput measurement.
        public var callsInFlightPerConnection: Int = 16
        /// Rounds per side of `Passwords/Hash` over RPC against the raw C call. On a machine whose Argon2 speed
        /// wanders by several percent from one second to the next, a ratio that must clear 0.95 needs many
        /// rounds: with per-round ratios spread by 6 % (standard deviation, as on the 2-core development host),
        /// the 95 % interval of their mean is ±15 % after three rounds (Student's t, 2 degrees of freedom) and
        /// ±3 % after sixteen.
        public var hashRounds: Int = 16
        /// Concurrent `Passwords/Hash` calls in one wave of the flood.
        public var floodCalls: Int = 1000
        /// The `Health/Check` p99 the flood must stay under.
        public var floodHealthP99Limit: Duration = .milliseconds(10)
        /// Memory allowed above the pre-flood baseline beyond the Argon2 workers' own memory.
        public var floodMemorySlackMiB: Double = 150
        /// The `tessera-bench` executable whose `flood` command generates the flood in a process of its own; by
        /// default this process's executable.
        public var floodExecutable: String = Bundle.main.executablePath ?? CommandLine.arguments[0]

        /// Creates settings; the defaults take a few seconds per measurement.
        public init(duration: Duration = .seconds(3), cores: Int = ProcessInfo.processInfo.activeProcessorCount) {
            self.duration = duration
            self.cores = max(1, cores)
        }
    }

    /// The description of the floor, shown under each row compared with it.
    static let echoName = "echo server (same framing, no auth/routing), same client"

    /// Runs every RPC benchmark and returns their rows.
    ///
    /// - Parameters:
    ///   - settings: Durations and load.
    ///   - log: Progress lines.
    /// - Returns: The rows, in the order measured.
    /// - Throws: ``RpcBenchmarkError`` or the error of a server that cannot start.
    public static func run(_ settings: Settings, log: (String) -> Void) async throws -> [BenchReport.Row] {
        let policy = PasswordPolicy.default
        let hasher = try PasswordHasher(configuration: .init(policy: policy, workers: settings.cores))
        let token = OpaqueToken.generate(.caller)
        let registry = try CallerRegistry(
            file: CallersFile(callers: [.init(id: "bench", credentialSHA256: token.digest.hex, allow: ["*"])])
        )
        let cipher = EnvelopeCipher(keyring: try Keyring.generate())
        var configuration = ServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        let server = TesseraServer(
            configuration: configuration,
            router: StatelessServices(hasher: hasher, cipher: cipher).router(),
            callers: registry,
            hasher: hasher,
            logger: Logger(label: "tessera.bench.server", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        let echo = try await EchoServer.start()
        let credential = TesseraClient.Credential(token.reveal())

        let rows = try await withThrowingTaskGroup(of: Void.self) { group -> [BenchReport.Row] in
            group.addTask { try await server.run() }
            defer { server.shutdownGracefully() }
            guard let tesseraPort = try await server.listeningAddress().port else {
                throw RpcBenchmarkError("the server's socket has no port")
            }
            let targets = Targets(
                tesseraPort: tesseraPort, echoPort: echo.port, credential: credential, token: token.reveal()
            )
            var rows: [BenchReport.Row] = []
            rows += try await latencyRows(targets, settings: settings, log: log)
            rows += try await throughputRows(targets, settings: settings, log: log)
            rows += try await hashRows(targets, policy: policy, settings: settings, log: log)
            rows += try await floodRows(targets, policy: policy, settings: settings, log: log)
            server.shutdownGracefully()
            try await group.waitForAll()
            return rows
        }
        await echo.stop()
        try await hasher.shutdown()
        return rows
    }

    /// The two servers and the credential.
    struct Targets: Sendable {
        let tesseraPort: Int
        let echoPort: Int
        let credential: TesseraClient.Credential
        /// The credential in clear, for the blocking Health probe's hand-made frames.
        let token: String

        /// A client of the port with `connections` connections; the same configuration for both servers.
        func client(port: Int, connections: Int) throws -> TesseraClient {
            var configuration = TesseraClient.Configuration(host: "127.0.0.1", port: port, credential: credential)
            configuration.connections = connections
            configuration.maxRetries = 0
            return try TesseraClient(
                configuration: configuration,
                logger: Logger(label: "tessera.bench.client", factory: { _ in SwiftLogNoOpLogHandler() })
            )
        }
    }

    /// One call of the latency and throughput measurements.
    enum Workload: String, CaseIterable, Sendable {
        case health = "Health/Check"
        case seal = "Secrets/Seal 64 B"

        static let plaintext = [UInt8](repeating: 0x5A, count: 64)

        /// Makes one call; the typed API, so both servers pay the same client-side encoding and decoding.
        func call(_ client: TesseraClient) async throws {
            switch self {
            case .health:
                _ = try await client.call(
                    MethodCatalog.healthCheck, Tessera_V1_HealthCheckRequest(),
                    as: Tessera_V1_HealthCheckResponse.self
                )
            case .seal:
                _ = try await client.seal(Self.plaintext)
            }
        }
    }

    // MARK: (a) sequential latency

    static func latencyRows(
        _ targets: Targets, settings: Settings, log: (String) -> Void
    ) async throws -> [BenchReport.Row] {
        var rows: [BenchReport.Row] = []
        for workload in Workload.allCases {
            log("rpc: \(workload.rawValue) sequential latency, Tessera then echo floor")
            let tessera = try await sequentialLatencies(workload, port: targets.tesseraPort, targets, settings)
            let echo = try await sequentialLatencies(workload, port: targets.echoPort, targets, settings)
            for (label, quantile) in [("p50", 0.50), ("p99", 0.99)] {
                rows.append(
                    .init(
                        name: "RPC \(workload.rawValue) sequential latency \(label)",
                        value: milliseconds(percentile(tessera, quantile)), unit: "ms",
                        baseline: milliseconds(percentile(echo, quantile)), baselineName: echoName
                    )
                )
            }
        }
        return rows
    }

    /// The durations of calls made one after another on one connection for the measurement's duration.
    static func sequentialLatencies(
        _ workload: Workload, port: Int, _ targets: Targets, _ settings: Settings
    ) async throws -> [Duration] {
        let client = try targets.client(port: port, connections: 1)
        do {
            for _ in 0..<200 { try await workload.call(client) }  // warm up: connect, allocate, page in
            var samples: [Duration] = []
            samples.reserveCapacity(100_000)
            let clock = ContinuousClock()
            let deadline = clock.now + settings.duration
            while clock.now < deadline {
                let started = clock.now
                try await workload.call(client)
                samples.append(clock.now - started)
            }
            await client.shutdown()
            return samples
        } catch {
            await client.shutdown()
            throw error
        }
    }

    // MARK: (b) throughput

    static func throughputRows(
        _ targets: Targets, settings: Settings, log: (String) -> Void
    ) async throws -> [BenchReport.Row] {
        var rows: [BenchReport.Row] = []
        let shape = "\(settings.connections) conn × \(settings.callsInFlightPerConnection) in flight"
        for workload in Workload.allCases {
            log("rpc: \(workload.rawValue) throughput, \(shape), Tessera and echo floor alternately")
            let rates = try await Alternation.run(
                measured: { try await throughput(workload, port: targets.tesseraPort, targets, settings) },
                baseline: { try await throughput(workload, port: targets.echoPort, targets, settings) }
            )
            rows.append(
                .init(
                    name: "RPC \(workload.rawValue) throughput, \(shape)", value: rates.measured, unit: "call/s",
                    baseline: rates.baseline, baselineName: echoName + "; " + rates.summary, target: 0.5
                )
            )
        }
        return rows
    }

    /// Calls per second with `connections × callsInFlightPerConnection` callers looping.
    static func throughput(
        _ workload: Workload, port: Int, _ targets: Targets, _ settings: Settings
    ) async throws -> Double {
        let client = try targets.client(port: port, connections: settings.connections)
        let callers = settings.connections * settings.callsInFlightPerConnection
        do {
            // Warm up: every connection open and every caller through a few calls.
            _ = try await loop(callers: callers, for: .milliseconds(300)) { try await workload.call(client) }
            let started = ContinuousClock.now
            let total = try await loop(callers: callers, for: settings.duration) { try await workload.call(client) }
            let elapsed = seconds(ContinuousClock.now - started)
            await client.shutdown()
            return Double(total) / elapsed
        } catch {
            await client.shutdown()
            throw error
        }
    }

    /// Runs `callers` tasks, each repeating `body` until the time is up; returns how many calls completed.
    static func loop(
        callers: Int, for duration: Duration, _ body: @escaping @Sendable () async throws -> Void
    ) async throws -> Int {
        let deadline = ContinuousClock.now + duration
        return try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<callers {
                group.addTask {
                    var done = 0
                    while ContinuousClock.now < deadline {
                        try await body()
                        done += 1
                    }
                    return done
                }
            }
            return try await group.reduce(0, +)
        }
    }

    // MARK: (c) Passwords/Hash throughput

    static func hashRows(
        _ targets: Targets, policy: PasswordPolicy, settings: Settings, log: (String) -> Void
    ) async throws -> [BenchReport.Row] {
        log(
            "rpc: Passwords/Hash throughput over RPC and the raw C call on \(settings.cores) thread(s), "
                + "\(settings.hashRounds) rounds each, alternately")
        let client = try targets.client(port: targets.tesseraPort, connections: 2)
        let rates: Alternation
        do {
            // Three callers per worker keep every worker busy without exceeding the hasher's queue.
            let callers = settings.cores * 3
            _ = try await client.hashPassword("correct horse battery staple")
            rates = try await Alternation.run(
                rounds: settings.hashRounds,
                measured: {
                    let started = ContinuousClock.now
                    let total = try await loop(callers: callers, for: settings.duration) {
                        _ = try await client.hashPassword("correct horse battery staple")
                    }
                    return Double(total) / seconds(ContinuousClock.now - started)
                },
                baseline: {
                    try CryptoBenchmarks.rawArgon2Rate(
                        policy: policy, threads: settings.cores, duration: settings.duration)
                }
            )
            await client.shutdown()
        } catch {
            await client.shutdown()
            throw error
        }
        return [
            .init(
                name: "RPC Passwords/Hash throughput, default policy", value: rates.measured, unit: "hash/s",
                baseline: rates.baseline,
                baselineName: "Argon2.computeRaw(\(Argon2.preferredEngine.rawValue)) on \(settings.cores) thread(s); "
                    + rates.summary,
                target: 0.95
            )
        ]
    }

    // MARK: helpers

    /// The `quantile` (0…1) of `samples` by the nearest-rank method; zero when there are none.
    static func percentile(_ samples: [Duration], _ quantile: Double) -> Duration {
        guard !samples.isEmpty else { return .zero }
        let sorted = samples.sorted()
        let rank = Int((quantile * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }

    static func microseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000
    }

    static func milliseconds(_ duration: Duration) -> Double {
        seconds(duration) * 1000
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
