import Foundation
import Logging
import TesseraClient

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The load generator of the flood measurement, run in a process of its own (`tessera-bench flood`).
///
/// A thousand client tasks in the benchmark's own process would share its cooperative pool and event loops with the
/// server they measure: every probe of `Health/Check` would then wait behind the generator's work as well as the
/// server's, which describes the generator. In production the flood comes from other processes; so it does here, and
/// the kernel alone shares the cores between the two.
public enum FloodClient {
    /// What the flood did, sent back to the benchmark as JSON.
    public struct Report: Codable, Sendable {
        /// Calls that hashed.
        public var completed = 0
        /// Calls refused with `RESOURCE_EXHAUSTED`.
        public var refused = 0
        /// Calls that failed otherwise.
        public var failed = 0
        /// Waves of concurrent calls sent.
        public var waves = 0
        /// Each refusal's time from sending to the error, in microseconds.
        public var refusalMicroseconds: [Int64] = []
        /// When the first wave started and the last ended, on the system-wide monotonic clock
        /// (``MonotonicClock/nanoseconds()``), so that the benchmark keeps only the probes taken meanwhile.
        public var startedNanoseconds: Int64 = 0
        public var endedNanoseconds: Int64 = 0
    }

    /// Sends waves of `calls` concurrent `Passwords/Hash` calls over `connections` connections for `duration`.
    ///
    /// - Parameters:
    ///   - port: The server's port on 127.0.0.1.
    ///   - credential: The caller credential.
    ///   - calls: Calls per wave.
    ///   - connections: Connections of the client.
    ///   - duration: How long to flood.
    /// - Returns: The counts and refusal times.
    /// - Throws: The client's error when it cannot connect.
    public static func run(
        port: Int, credential: TesseraClient.Credential, calls: Int, connections: Int, duration: Duration
    ) async throws -> Report {
        var configuration = TesseraClient.Configuration(host: "127.0.0.1", port: port, credential: credential)
        configuration.connections = connections
        configuration.maxRetries = 0
        let client = try TesseraClient(
            configuration: configuration,
            logger: Logger(label: "tessera.bench.flood", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        _ = try await client.hashPassword("warm up")
        var report = Report()
        report.startedNanoseconds = MonotonicClock.nanoseconds()
        let deadline = ContinuousClock.now + duration
        repeat {
            let wave = await RpcBenchmarks.floodWave(client, calls: calls)
            report.completed += wave.completed
            report.refused += wave.refused
            report.failed += wave.failed
            report.refusalMicroseconds += wave.refusalTimes.map { RpcBenchmarks.microseconds($0) }
            report.waves += 1
        } while ContinuousClock.now < deadline
        report.endedNanoseconds = MonotonicClock.nanoseconds()
        await client.shutdown()
        return report
    }
}

/// `CLOCK_MONOTONIC`, the one clock two processes on a Linux machine read alike.
enum MonotonicClock {
    /// Nanoseconds since an arbitrary, system-wide origin.
    static func nanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }
}
