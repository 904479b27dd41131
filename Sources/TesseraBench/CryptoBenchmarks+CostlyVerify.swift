import Foundation
import Synchronization
import TesseraCrypto

extension CryptoBenchmarks {
    /// The review's costly-verify reproduction, measured: a burst of `Passwords/Verify` jobs at the most work the
    /// default bounds allow (m = 256 MiB, t = 4, p = 16), through a hasher with the default configuration.
    ///
    /// Before the cost bound and memory admission, ten such calls (then at t = 10) took the server from 54 to
    /// 578 MB with 41 threads. The rows report the peak resident growth against the admission's memory limit plus
    /// a slack, and the peak number of threads against the process's own before the burst.
    static func costlyVerifyBurst(calls: Int = 10, log: (String) -> Void) async throws -> [BenchReport.Row] {
        let salt = Array("costly-verify-salt".utf8)
        let (memoryKiB, iterations, parallelism) = (262_144, 4, 16)
        log("costly verify burst: \(calls) × m=\(memoryKiB) KiB t=\(iterations) p=\(parallelism)")
        let tag = try Argon2.computeRaw(
            engine: .libargon2, memoryKiB: memoryKiB, iterations: iterations, parallelism: parallelism,
            password: Array("costly".utf8), salt: salt, hashLength: 32
        )
        let phc = try PHCString(
            algorithm: .argon2id, memoryKiB: memoryKiB, iterations: iterations, parallelism: parallelism,
            salt: salt, hash: tag
        ).encoded
        let hasher = try PasswordHasher()
        let limitMiB = Double(hasher.configuration.effectiveMaxAdmittedMemoryKiB) / 1024
        // Every worker has run a job and the sampler runs before the baseline is read, so neither counts as added.
        async let warm = (hasher.hash("warm-up"), hasher.hash("warm-up"))
        _ = try await warm
        let peak = Mutex(MemoryStatus())
        let running = Atomic(true)
        let sampler = Thread {
            while running.load(ordering: .relaxed) {
                let now = MemoryStatus.read()
                peak.withLock { $0 = $0.merged(with: now) }
                usleep(2_000)
            }
        }
        sampler.start()
        usleep(10_000)
        let before = MemoryStatus.read()
        let outcomes = await withTaskGroup(of: Bool?.self) { group in
            for _ in 0..<calls {
                group.addTask {
                    do {
                        return try await hasher.verify("costly", against: phc).isValid
                    } catch let error as CryptoError where error.code == .overloaded {
                        return nil
                    } catch {
                        return false
                    }
                }
            }
            var verified = 0
            var refused = 0
            for await outcome in group {
                if outcome == true { verified += 1 } else if outcome == nil { refused += 1 }
            }
            return (verified, refused)
        }
        running.store(false, ordering: .relaxed)
        try await hasher.shutdown()
        let seen = peak.withLock { $0 }
        let growthMiB = Double(max(0, seen.residentKiB - before.residentKiB)) / 1024
        let slackMiB = 64.0
        log("costly verify burst: \(outcomes.0) verified, \(outcomes.1) refused as overloaded")
        return [
            .init(
                name: "Costly verify burst: RSS growth within budget", value: limitMiB + slackMiB, unit: "MiB",
                baseline: max(growthMiB, 0.001),
                baselineName: String(
                    format:
                        "peak VmRSS growth %.1f MiB over %d calls (%d verified, %d refused); budget = admission limit %.0f MiB + %.0f MiB; ratio = budget ÷ growth",
                    growthMiB, calls, outcomes.0, outcomes.1, limitMiB, slackMiB
                ),
                target: 1.0
            ),
            .init(
                name: "Costly verify burst: threads at peak", value: Double(seen.threads), unit: "threads",
                baseline: Double(before.threads),
                baselineName: "threads before the burst (the hasher's workers included); ratio 1.0 = no thread added",
                target: nil
            ),
        ]
    }
}
