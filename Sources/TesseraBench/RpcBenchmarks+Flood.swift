import Foundation
import Synchronization
import TesseraClient
import TesseraCrypto
import TesseraTestSupport
import TesseraWire

extension RpcBenchmarks {
    /// What one wave of the flood saw.
    struct FloodOutcome: Sendable {
        var completed = 0
        var refused = 0
        var failed = 0
        var refusalTimes: [Duration] = []
    }

    // MARK: (d) a flood of concurrent Hash calls

    /// Waves of `floodCalls` concurrent `Passwords/Hash` calls for the measurement's duration, sent by a process of
    /// its own (``FloodClient``, through `tessera-bench flood`), while one task samples this process's resident
    /// memory (the server's: the generator's memory is its own) and a thread of its own (``BlockingHealthProbe``)
    /// measures `Health/Check` latency on its own connection.
    static func floodRows(
        _ targets: Targets, policy: PasswordPolicy, settings: Settings, log: (String) -> Void
    ) async throws -> [BenchReport.Row] {
        log(
            "rpc: flood of \(settings.floodCalls) concurrent Passwords/Hash calls from another process, "
                + "Health/Check meanwhile"
        )
        let before = MemoryStatus.read()
        let signals = FloodSignals(baselineKiB: before.residentKiB)
        let probe = BlockingHealthProbe(port: targets.tesseraPort, token: targets.token)
        let healthSamples = Task {
            try await withCheckedThrowingContinuation {
                (continuation: CheckedContinuation<[BlockingHealthProbe.Sample], any Error>) in
                let thread = Thread {
                    continuation.resume(with: Result { try probe.samples(while: signals.running) })
                }
                thread.name = "bench-health-probe"
                thread.start()
            }
        }
        async let sampler: Void = {
            while signals.running.load(ordering: .relaxed) {
                signals.peakResidentKiB.max(MemoryStatus.read().residentKiB, ordering: .relaxed)
                try? await Task.sleep(for: .milliseconds(5))
            }
        }()
        let flood: FloodClient.Report
        do {
            flood = try await runFloodClient(targets, settings: settings)
        } catch {
            signals.running.store(false, ordering: .relaxed)
            _ = try? await healthSamples.value
            await sampler
            throw error
        }
        signals.running.store(false, ordering: .relaxed)
        // Only the probes sent while the flood ran count.
        let health = try await healthSamples.value.filter {
            $0.startedNanoseconds >= flood.startedNanoseconds && $0.startedNanoseconds <= flood.endedNanoseconds
        }.map(\.duration)
        await sampler
        let after = MemoryStatus.read()
        let outcome = FloodOutcome(
            completed: flood.completed, refused: flood.refused, failed: flood.failed,
            refusalTimes: flood.refusalMicroseconds.map { .microseconds($0) }
        )
        let waves = flood.waves

        let calls = waves * settings.floodCalls
        log(
            "rpc: flood: \(waves) wave(s), \(outcome.completed) hashed, \(outcome.refused) refused, "
                + "\(outcome.failed) failed otherwise; \(health.count) health probes"
        )
        let workerMiB = Double(settings.cores * policy.memoryKiB) / 1024
        let budgetMiB = workerMiB + settings.floodMemorySlackMiB
        let growthMiB = Double(max(0, signals.peakResidentKiB.load(ordering: .relaxed) - before.residentKiB)) / 1024
        let healthP99 = milliseconds(percentile(health, 0.99))
        let limit = milliseconds(settings.floodHealthP99Limit)
        return [
            .init(
                name: "RPC Hash flood: calls refused with RESOURCE_EXHAUSTED", value: Double(outcome.refused),
                unit: "calls", baseline: Double(calls),
                baselineName: "calls sent (\(waves) wave(s) of \(settings.floodCalls); \(outcome.completed) hashed, "
                    + "\(outcome.failed) other failures)"
            ),
            .init(
                name: "RPC Hash flood: time to refusal p99",
                value: milliseconds(percentile(outcome.refusalTimes, 0.99)),
                unit: "ms", baseline: milliseconds(percentile(outcome.refusalTimes, 0.50)),
                baselineName: "time to refusal p50"
            ),
            .init(
                name: "RPC Hash flood: RSS growth within budget", value: budgetMiB, unit: "MiB",
                baseline: max(growthMiB, 0.001),
                baselineName: String(
                    format:
                        "peak VmRSS − pre-flood VmRSS (%.1f MiB; VmHWM %.1f MiB); budget = %d workers × %.1f MiB + %.0f MiB; ratio = budget ÷ growth",
                    growthMiB, Double(after.highWaterKiB) / 1024, settings.cores, Double(policy.memoryKiB) / 1024,
                    settings.floodMemorySlackMiB
                ),
                target: 1.0
            ),
            .init(
                name: "RPC Hash flood: Health/Check p99 under \(Int(limit)) ms", value: limit, unit: "ms",
                baseline: max(healthP99, 0.001),
                baselineName: String(
                    format: "measured p99 %.3f ms (p50 %.3f ms, %d probes); ratio = limit ÷ p99", healthP99,
                    milliseconds(percentile(health, 0.50)), health.count
                ),
                target: 1.0
            ),
        ]
    }

    /// Runs `tessera-bench flood` against the server and returns its report.
    static func runFloodClient(_ targets: Targets, settings: Settings) async throws -> FloodClient.Report {
        let seconds = max(1, Int(seconds(settings.duration).rounded()))
        let outcome = try await ChildProcess.run(
            settings.floodExecutable,
            [
                "flood", "--port", "\(targets.tesseraPort)", "--calls", "\(settings.floodCalls)",
                "--connections", "\(settings.connections)", "--seconds", "\(seconds)",
            ],
            standardInput: Data((targets.token + "\n").utf8)
        )
        guard outcome.status == 0 else {
            throw RpcBenchmarkError(
                "the flood client (\(settings.floodExecutable) flood) exited with status \(outcome.status): "
                    + (outcome.standardError.split(separator: "\n").last.map(String.init) ?? "")
            )
        }
        do {
            return try JSONDecoder().decode(FloodClient.Report.self, from: outcome.standardOutputData)
        } catch {
            throw RpcBenchmarkError("the flood client's report is not readable JSON")
        }
    }

    /// `calls` concurrent `Passwords/Hash` calls; each refusal's time from sending to the error is kept.
    static func floodWave(_ client: TesseraClient, calls: Int) async -> FloodOutcome {
        await withTaskGroup(of: (Int, Duration?).self) { group in
            for index in 0..<calls {
                group.addTask {
                    let started = ContinuousClock.now
                    do {
                        _ = try await client.hashPassword("flood password \(index)")
                        return (0, nil)
                    } catch let error as TesseraClientError where error.code == .status(.resourceExhausted) {
                        return (1, ContinuousClock.now - started)
                    } catch {
                        return (2, nil)
                    }
                }
            }
            var outcome = FloodOutcome()
            for await (kind, elapsed) in group {
                switch kind {
                case 0: outcome.completed += 1
                case 1:
                    outcome.refused += 1
                    if let elapsed { outcome.refusalTimes.append(elapsed) }
                default: outcome.failed += 1
                }
            }
            return outcome
        }
    }
}

/// Shared between the flood and its watchers: whether the flood still runs, and the peak resident size seen.
final class FloodSignals: Sendable {
    let running = Atomic<Bool>(true)
    let peakResidentKiB: Atomic<Int>

    init(baselineKiB: Int) {
        self.peakResidentKiB = Atomic(baselineKiB)
    }
}

/// The process's resident memory and threads from `/proc/self/status` (Linux); zeros where it cannot be read.
struct MemoryStatus: Sendable {
    /// `VmRSS`: resident now, in KiB.
    var residentKiB = 0
    /// `VmHWM`: the peak resident size of the process so far, in KiB.
    var highWaterKiB = 0
    /// `Threads`: the process's threads.
    var threads = 0

    /// The larger of each value.
    func merged(with other: MemoryStatus) -> MemoryStatus {
        MemoryStatus(
            residentKiB: max(residentKiB, other.residentKiB), highWaterKiB: max(highWaterKiB, other.highWaterKiB),
            threads: max(threads, other.threads)
        )
    }

    /// Reads the current values.
    static func read() -> MemoryStatus {
        var status = MemoryStatus()
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return status }
        for line in text.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, let value = Int(fields[1]) else { continue }
            switch fields[0] {
            case "VmRSS:": status.residentKiB = value
            case "VmHWM:": status.highWaterKiB = value
            case "Threads:": status.threads = value
            default: break
            }
        }
        return status
    }
}
