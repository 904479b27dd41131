import Foundation
import Testing

@testable import TesseraCrypto

@Suite("Password hasher")
struct PasswordHasherTests {
    @Test("the default policy is OWASP's and hashes to a verifiable argon2id PHC string")
    func defaultPolicy() async throws {
        let policy = PasswordPolicy.default
        #expect(policy.algorithm == .argon2id)
        #expect(policy.memoryKiB == 19_456 && policy.iterations == 2 && policy.parallelism == 1)
        #expect(policy.saltLength == 16 && policy.hashLength == 32 && policy.maxPasswordBytes == 1024)
        try await Argon2Fixtures.withHasher(policy: policy) { hasher async throws in
            let phc = try await hasher.hash("correct horse battery staple")
            #expect(phc.hasPrefix("$argon2id$v=19$m=19456,t=2,p=1$"))
            let parsed = try PHCString(parsing: phc)
            #expect(parsed.salt.count == 16 && parsed.hash.count == 32 && parsed.keyID == nil)
            #expect(
                try await hasher.verify("correct horse battery staple", against: phc)
                    == PasswordVerification(isValid: true, needsRehash: false))
            #expect(
                try await hasher.verify("correct horse battery stapler", against: phc)
                    == PasswordVerification(isValid: false, needsRehash: false))
        }
    }

    @Test("each hash gets a fresh salt; sync and async APIs agree")
    func freshSaltsAndSyncAPI() async throws {
        try await Argon2Fixtures.withHasher(policy: try Argon2Fixtures.fastPolicy()) { hasher async throws in
            let a = try await hasher.hash("same password")
            let b = try hasher.hashSync("same password")
            #expect(a != b)
            #expect(try hasher.verifySync("same password", against: a).isValid)
            #expect(try await hasher.verify("same password", against: b).isValid)
            #expect(!(try hasher.verifySync("Same password", against: a)).isValid)
        }
    }

    @Test("policies of every supported shape hash and verify (both engines, argon2i, p > 1)")
    func policyShapes() async throws {
        let policies = [
            try Argon2Fixtures.fastPolicy(),
            try Argon2Fixtures.fastPolicy(algorithm: .argon2i, iterations: 3),
            try Argon2Fixtures.fastPolicy(algorithm: .argon2i, iterations: 1),
            try Argon2Fixtures.fastPolicy(memoryKiB: 256, parallelism: 4, saltLength: 8, hashLength: 16),
            try Argon2Fixtures.fastPolicy(saltLength: 64, hashLength: 64),
        ]
        for policy in policies {
            try await Argon2Fixtures.withHasher(policy: policy) { hasher async throws in
                let phc = try await hasher.hash("shape")
                let parsed = try PHCString(parsing: phc)
                #expect(parsed.algorithm == policy.algorithm && parsed.parallelism == policy.parallelism)
                #expect(parsed.salt.count == policy.saltLength && parsed.hash.count == policy.hashLength)
                #expect(try await hasher.verify("shape", against: phc) == .init(isValid: true, needsRehash: false))
            }
        }
    }

    @Test("passwords are NFKC-normalised: compatibility forms match their plain spelling")
    func nfkc() async throws {
        try await Argon2Fixtures.withHasher(policy: try Argon2Fixtures.fastPolicy()) { hasher async throws in
            let phc = try await hasher.hash("ＡＢＣ１２３ ﬁx")  // full-width letters and the fi ligature
            #expect(try await hasher.verify("ABC123 fix", against: phc).isValid)
            #expect(try await hasher.verify("e\u{301}", against: try await hasher.hash("\u{E9}")).isValid)
            #expect(!(try await hasher.verify("abc123 fix", against: phc)).isValid)
        }
    }

    static let invalidPasswords: [(String, String)] = [
        ("empty", ""),
        ("over 64 bytes", String(repeating: "a", count: 65)),
        ("over 64 bytes once normalised", String(repeating: "\u{FDFA}", count: 4)),  // 3 bytes → 33 bytes each
        ("far over the limit", String(repeating: "b", count: 100_000)),
        ("NUL inside", "pass\u{0}word"),
    ]

    @Test("empty, over-long and NUL-containing passwords are refused with invalidPassword")
    func invalidPasswords() async throws {
        let policy = try Argon2Fixtures.fastPolicy(maxPasswordBytes: 64)
        try await Argon2Fixtures.withHasher(policy: policy) { hasher async throws in
            let stored = try await hasher.hash(String(repeating: "a", count: 64))  // exactly at the limit is fine
            #expect(try await hasher.verify(String(repeating: "a", count: 64), against: stored).isValid)
            for (name, password) in Self.invalidPasswords {
                await #expect(throws: CryptoError(.invalidPassword, ""), "\(name)") { try await hasher.hash(password) }
                await #expect(throws: CryptoError(.invalidPassword, ""), "\(name)") {
                    try await hasher.verify(password, against: stored)
                }
            }
        }
    }

    @Test("error messages never contain the password")
    func errorsDoNotLeak() async throws {
        let policy = try Argon2Fixtures.fastPolicy(maxPasswordBytes: 16)
        try await Argon2Fixtures.withHasher(policy: policy) { hasher async throws in
            let secret = "SuperSecretValue-SuperSecretValue"
            do {
                _ = try await hasher.hash(secret)
                Issue.record("an over-long password was accepted")
            } catch {
                #expect(!"\(error)".contains("SuperSecret"))
                #expect(!String(reflecting: error).contains("SuperSecret"))
            }
        }
    }

    @Test("the policy refuses parameters outside its bounds at init")
    func policyBounds() throws {
        let attempts: [() throws -> PasswordPolicy] = [
            { try PasswordPolicy(memoryKiB: 262_145) },
            { try PasswordPolicy(memoryKiB: 7) },
            { try PasswordPolicy(memoryKiB: 31, parallelism: 4) },
            { try PasswordPolicy(iterations: 0) },
            { try PasswordPolicy(iterations: 11) },
            { try PasswordPolicy(parallelism: 0) },
            { try PasswordPolicy(parallelism: 17) },
            { try PasswordPolicy(saltLength: 7) },
            { try PasswordPolicy(saltLength: 65) },
            { try PasswordPolicy(hashLength: 15) },
            { try PasswordPolicy(hashLength: 65) },
            { try PasswordPolicy(maxPasswordBytes: 0) },
            { try PasswordPolicy(memoryKiB: 1024, bounds: try PasswordPolicy.Bounds(maxMemoryKiB: 512)) },
            // Each bound alone is met; together they are more work than the cost bound allows.
            { try PasswordPolicy(memoryKiB: 262_144, iterations: 5) },
            { try PasswordPolicy(memoryKiB: 131_072, iterations: 9) },
        ]
        for attempt in attempts {
            #expect(throws: CryptoError(.parametersOutOfBounds, "")) { try attempt() }
        }
        #expect(throws: CryptoError(.invalidParameter, "")) { try PasswordPolicy.Bounds(saltLength: 4...16) }
        #expect(throws: CryptoError(.invalidParameter, "")) { try PasswordPolicy.Bounds(maxParallelism: 0) }
        #expect(throws: CryptoError(.invalidParameter, "")) { try PasswordPolicy.Bounds(maxCost: 7) }
        let strong = try PasswordPolicy(memoryKiB: 262_144, iterations: 4, parallelism: 16)
        #expect(strong.memoryKiB == 262_144)
    }

    @Test("with 1 worker and no queue, a burst gets some overloaded errors and the rest succeed")
    func overload() async throws {
        // Each job takes a second or more, so the burst's later calls arrive while the first still runs, even when
        // a loaded 2-core CI machine starts the 16 tasks slowly.
        let policy = try Argon2Fixtures.slowPolicy()
        try await Argon2Fixtures.withHasher(policy: policy, workers: 1, maxQueued: 0) { hasher async throws in
            let results = await withTaskGroup(of: Result<String, any Error>.self) { group in
                for index in 0..<16 {
                    group.addTask {
                        do {
                            return .success(try await hasher.hash("burst \(index)"))
                        } catch {
                            return .failure(error)
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            var succeeded = 0
            var overloaded = 0
            for result in results {
                switch result {
                case .success(let phc):
                    #expect(phc.hasPrefix("$argon2id$"))
                    succeeded += 1
                case .failure(let error):
                    #expect(error as? CryptoError == CryptoError(.overloaded, ""), "\(error)")
                    overloaded += 1
                }
            }
            #expect(succeeded >= 1)
            #expect(overloaded >= 1)
            #expect(succeeded + overloaded == 16)
            #expect(hasher.rejectedCount == overloaded)
            #expect(hasher.inFlight == 0)
            #expect(hasher.queueDepth == 0)
        }
    }

    @Test("admission stops at workers + maxQueued; the metrics show queued and running jobs")
    func boundedAdmission() async throws {
        // Each job takes a second or more, so the admitted jobs are still there when the test looks, even when
        // other suites keep the concurrency pool busy for a while on a loaded 2-core CI machine.
        let policy = try Argon2Fixtures.slowPolicy()
        try await Argon2Fixtures.withHasher(policy: policy, workers: 1, maxQueued: 2) { hasher async throws in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<3 {
                    group.addTask { _ = try await hasher.hash("slow \(index)") }
                }
                // Wait (bounded) until all three are admitted and the single worker has picked one up. The bound
                // is generous: on a loaded 2-core CI machine the worker thread can take seconds to be scheduled.
                let clock = ContinuousClock()
                let deadline = clock.now + .seconds(60)
                while !(hasher.inFlight == 3 && hasher.queueDepth == 2), clock.now < deadline {
                    try await Task.sleep(for: .milliseconds(1))
                }
                #expect(hasher.inFlight == 3)
                #expect(hasher.queueDepth == 2)
                await #expect(throws: CryptoError(.overloaded, "")) { try await hasher.hash("one too many") }
                #expect(hasher.rejectedCount == 1)
                try await group.waitForAll()
            }
            #expect(hasher.inFlight == 0 && hasher.queueDepth == 0)
            // Capacity is back once the burst is over.
            #expect(try await hasher.hash("after").hasPrefix("$argon2id$"))
        }
    }

    @Test("configuration defaults (four queued jobs per worker) and validation")
    func defaultAdmission() async throws {
        let configuration = PasswordHasher.Configuration(workers: 3)
        #expect(configuration.maxQueued == 12)
        #expect(PasswordHasher.Configuration().workers >= 1)
        #expect(throws: CryptoError(.invalidParameter, "")) {
            try PasswordHasher(configuration: .init(workers: 0))
        }
        #expect(throws: CryptoError(.invalidParameter, "")) {
            try PasswordHasher(configuration: .init(workers: 1, maxQueued: -1))
        }
    }

    @Test("a hasher released without shutdown() stops its own threads (no NIO assertion)")
    func releasedWithoutShutdown() async throws {
        var hasher: PasswordHasher? = try PasswordHasher(
            configuration: .init(policy: try Argon2Fixtures.fastPolicy(), workers: 1)
        )
        #expect(try await hasher?.hash("dropped").hasPrefix("$argon2id$") == true)
        hasher = nil
        #expect(hasher == nil)
    }

    @Test("a shut-down hasher refuses work instead of hanging")
    func shutdown() async throws {
        let hasher = try PasswordHasher(configuration: .init(policy: try Argon2Fixtures.fastPolicy(), workers: 1))
        _ = try await hasher.hash("before")
        try await hasher.shutdown()
        try await hasher.shutdown()  // idempotent
        await #expect(throws: CryptoError(.internalFailure, "")) { try await hasher.hash("after") }
    }

    @Test("jobs still queued at shutdown fail with internalFailure, not a CancellationError nobody asked for")
    func queuedJobsAtShutdown() async throws {
        // Each job takes a second or more, so the admitted jobs are still there when the test looks, even when
        // other suites keep the concurrency pool busy for a while on a loaded 2-core CI machine.
        let policy = try Argon2Fixtures.slowPolicy()
        let hasher = try PasswordHasher(configuration: .init(policy: policy, workers: 1, maxQueued: 3))
        let results = try await withThrowingTaskGroup(of: Result<String, any Error>.self) { group in
            for index in 0..<4 {
                group.addTask {
                    do {
                        return .success(try await hasher.hash("queued \(index)"))
                    } catch {
                        return .failure(error)
                    }
                }
            }
            // A bound, not a timing assertion: on a loaded CI machine the worker can take seconds to start.
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(60)
            while !(hasher.inFlight == 4 && hasher.queueDepth == 3), clock.now < deadline {
                try await Task.sleep(for: .milliseconds(1))
            }
            #expect(hasher.queueDepth == 3)
            try await hasher.shutdown()
            return try await group.reduce(into: []) { $0.append($1) }
        }
        var refused = 0
        for result in results {
            if case .failure(let error) = result {
                #expect(error as? CryptoError == CryptoError(.internalFailure, ""), "\(type(of: error)): \(error)")
                refused += 1
            }
        }
        #expect(refused >= 1)
        #expect(hasher.inFlight == 0)
    }

    #if os(Linux)
        @Test("workers run 10 nice steps lower under SCHED_BATCH by default, as they started when told not to")
        func workerPriority() async throws {
            // A worker starts as the thread that made it: read that thread's scheduling right where the pool starts.
            let creator = WorkerPriority.currentThread
            let lowered = try PasswordHasher(configuration: .init(workers: 1))
            #expect(lowered.configuration.lowersWorkerPriority)
            // Twice: the second job finds its worker lowered already and leaves it so.
            for _ in 0..<2 {
                #expect(
                    try await lowered.workerScheduling()
                        == .init(nice: min(19, creator.nice + WorkerPriority.niceIncrement), policy: 3))
            }
            try await lowered.shutdown()
            let plainCreator = WorkerPriority.currentThread
            let plain = try PasswordHasher(configuration: .init(workers: 1, lowersWorkerPriority: false))
            #expect(try await plain.workerScheduling() == plainCreator)
            try await plain.shutdown()
        }

        @Test("callers are handed their results by a thread that is not lowered, and no other thread gets lowered")
        func onlyWorkersLowered() async throws {
            try await Argon2Fixtures.withHasher(policy: try Argon2Fixtures.fastPolicy()) { hasher async throws in
                try await withThrowingTaskGroup(of: Int32.self) { group in
                    // Within the hasher's admission limit (workers + 4 per worker), so none is refused.
                    for _ in 0..<8 {
                        group.addTask {
                            _ = try await hasher.hash("correct horse battery staple")
                            return WorkerPriority.currentThread.policy
                        }
                    }
                    for try await policy in group {
                        #expect(policy != WorkerPriority.batchPolicy)
                    }
                }
            }
            // Every thread of this process under SCHED_BATCH is a thread-pool worker ("TP-#n"), whatever other
            // tests run beside this one.
            for thread in try Self.threadsUnderBatchPolicy() {
                #expect(thread.hasPrefix("TP-"), "thread \(thread) runs under SCHED_BATCH")
            }
        }

        /// The names of this process's threads whose scheduling policy is `SCHED_BATCH`, from `/proc/self/task`.
        private static func threadsUnderBatchPolicy() throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").compactMap { tid in
                guard let stat = try? String(contentsOfFile: "/proc/self/task/\(tid)/stat", encoding: .utf8),
                    let name = try? String(contentsOfFile: "/proc/self/task/\(tid)/comm", encoding: .utf8),
                    let close = stat.lastIndex(of: ")")
                else { return nil }
                // Fields after the name start at field 3 (state); the policy is field 41.
                let fields = stat[stat.index(after: close)...].split(separator: " ")
                guard fields.count > 38, Int32(fields[38]) == WorkerPriority.batchPolicy else { return nil }
                return name.trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
    #endif
}
