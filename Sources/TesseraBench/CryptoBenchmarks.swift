import Crypto
import Dispatch
import Foundation
import TesseraCrypto

/// Benchmarks of the crypto core, each beside a baseline run on the same machine in the same process.
public enum CryptoBenchmarks {
    /// How long each measurement runs.
    public struct Settings: Sendable {
        /// Wall-clock time per measurement.
        public var duration: Duration
        /// The number of threads for the "all cores" measurements.
        public var cores: Int

        /// Creates settings; the defaults take a few seconds per measurement.
        public init(duration: Duration = .seconds(3), cores: Int = ProcessInfo.processInfo.activeProcessorCount) {
            self.duration = duration
            self.cores = cores
        }
    }

    /// Runs every crypto benchmark and returns their rows.
    public static func run(_ settings: Settings, log: (String) -> Void) async throws -> [BenchReport.Row] {
        var rows: [BenchReport.Row] = []
        let policy = PasswordPolicy.default
        let threadCounts = settings.cores > 1 ? [1, settings.cores] : [1]
        for threads in threadCounts {
            log("argon2id \(policy.memoryKiB) KiB t=\(policy.iterations) p=\(policy.parallelism): \(threads) thread(s)")
            let rates = try await Alternation.run(
                measured: { try await hasherRate(policy: policy, workers: threads, duration: settings.duration) },
                baseline: { try rawArgon2Rate(policy: policy, threads: threads, duration: settings.duration) }
            )
            rows.append(
                .init(
                    name: "Argon2id hash, default policy, \(threads) core(s)", value: rates.measured, unit: "hash/s",
                    baseline: rates.baseline,
                    baselineName: "Argon2.computeRaw(\(Argon2.preferredEngine.rawValue)) on \(threads) thread(s); "
                        + rates.summary,
                    target: 0.95
                )
            )
        }
        log("envelope seal/open of 64 bytes")
        rows.append(contentsOf: try envelopeRates(duration: settings.duration))
        rows.append(contentsOf: try await costlyVerifyBurst(log: log))
        return rows
    }

    /// Hashes per second of the raw C call on `threads` plain threads, no Tessera code in between.
    static func rawArgon2Rate(policy: PasswordPolicy, threads: Int, duration: Duration) throws -> Double {
        let password = Array("correct horse battery staple".utf8)
        let salt = SecureRandom.bytes(count: policy.saltLength)
        let counts = Counts(threads)
        let started = ContinuousClock.now
        let deadline = started + duration
        DispatchQueue.concurrentPerform(iterations: threads) { index in
            var done = 0
            while ContinuousClock.now < deadline {
                let tag = try? Argon2.computeRaw(
                    engine: Argon2.preferredEngine, variant: policy.algorithm, memoryKiB: policy.memoryKiB,
                    iterations: policy.iterations, parallelism: policy.parallelism, password: password, salt: salt,
                    hashLength: policy.hashLength
                )
                if tag != nil { done += 1 }
            }
            counts.set(index, done)
        }
        return Double(counts.total) / seconds(ContinuousClock.now - started)
    }

    /// Hashes per second through ``PasswordHasher``'s async API with `workers` threads kept busy.
    static func hasherRate(policy: PasswordPolicy, workers: Int, duration: Duration) async throws -> Double {
        let hasher = try PasswordHasher(
            configuration: .init(policy: policy, workers: workers, maxQueued: workers * 2)
        )
        let started = ContinuousClock.now
        let deadline = started + duration
        let total = try await withThrowingTaskGroup(of: Int.self) { group in
            // Twice as many callers as workers so a worker never waits for the next job.
            for _ in 0..<(workers * 2) {
                group.addTask {
                    var done = 0
                    while ContinuousClock.now < deadline {
                        _ = try await hasher.hash("correct horse battery staple")
                        done += 1
                    }
                    return done
                }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = seconds(ContinuousClock.now - started)
        try await hasher.shutdown()
        return Double(total) / elapsed
    }

    static func seconds(_ duration: Duration) -> Double {
        let (s, attoseconds) = duration.components
        return Double(s) + Double(attoseconds) / 1e18
    }

    /// Per-thread counters written once each by `concurrentPerform`'s iterations.
    ///
    /// `@unchecked Sendable` is safe: every slot is written by exactly one iteration through a raw buffer (no
    /// shared Swift array header), and read only after `concurrentPerform` has returned, which orders those
    /// writes before the read.
    final class Counts: @unchecked Sendable {
        private let slots: UnsafeMutableBufferPointer<Int>
        init(_ count: Int) {
            slots = .allocate(capacity: count)
            slots.initialize(repeating: 0)
        }
        deinit { slots.deallocate() }
        func set(_ index: Int, _ value: Int) { slots[index] = value }
        var total: Int { slots.reduce(0, +) }
    }
}
