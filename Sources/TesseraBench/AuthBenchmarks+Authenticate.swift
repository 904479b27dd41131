import Dispatch
import Foundation
import TesseraClient
import TesseraCrypto

extension AuthBenchmarks.Bench {
    /// `Accounts/Authenticate` with the right password, from three callers per core (each signing in to its own
    /// account, so no caller waits for another's row lock), against the raw Argon2 verify on all cores, alternating.
    ///
    /// Only sign-ins that return a session count. Each one is what a login costs: a user read, one Argon2 verify at
    /// the default policy, a transaction that resets the failure count, inserts the session and appends the audit
    /// entry.
    func authenticateRows(
        accounts: [String],
        client: TesseraClient,
        log: @escaping @Sendable (String) -> Void
    ) async throws -> [BenchReport.Row] {
        let policy = hasher.configuration.policy
        let callers = min(accounts.count, settings.cores * 3)
        log(
            "auth: Accounts/Authenticate over RPC and the raw Argon2 verify on \(settings.cores) thread(s), "
                + "\(settings.authenticateRounds) rounds each, alternately")
        let duration = settings.duration
        // Warm up: every account once (prepares the statements on the pool's connections).
        _ = try await signIns(accounts: Array(accounts.prefix(callers)), client: client, for: .milliseconds(300))
        var refused = 0
        let rates = try await Alternation.run(
            rounds: settings.authenticateRounds,
            measured: {
                let started = ContinuousClock.now
                let counts = try await signIns(accounts: Array(accounts.prefix(callers)), client: client, for: duration)
                refused += counts.refused
                return Double(counts.succeeded) / RpcBenchmarks.seconds(ContinuousClock.now - started)
            },
            baseline: { try Self.rawVerifyRate(policy: policy, threads: settings.cores, duration: duration) }
        )
        let refusals = refused == 0 ? "" : "; \(refused) sign-in(s) refused, not counted"
        return [
            .init(
                name: "RPC Accounts/Authenticate throughput, default policy, PostgreSQL", value: rates.measured,
                unit: "login/s", baseline: rates.baseline,
                baselineName: "raw Argon2 verify (\(Argon2.preferredEngine.rawValue), compute + constant-time compare) "
                    + "on \(settings.cores) thread(s); \(callers) callers; " + rates.summary + refusals,
                target: 0.9
            )
        ]
    }

    /// Each account's caller signs in again and again until the time is up.
    /// - Returns: The sign-ins that returned a session, and those that did not.
    func signIns(accounts: [String], client: TesseraClient, for duration: Duration) async throws
        -> (succeeded: Int, refused: Int)
    {
        let deadline = ContinuousClock.now + duration
        let password = self.password
        return try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for email in accounts {
                group.addTask {
                    var succeeded = 0
                    var refused = 0
                    while ContinuousClock.now < deadline {
                        let response = try await client.authenticate(email: email, password: password)
                        if case .session = response.result { succeeded += 1 } else { refused += 1 }
                    }
                    return (succeeded, refused)
                }
            }
            let total = try await group.reduce((0, 0)) { ($0.0 + $1.0, $0.1 + $1.1) }
            return (succeeded: total.0, refused: total.1)
        }
    }

    /// Verifications per second of the raw C call on `threads` plain threads: Argon2 over the password with the
    /// stored hash's salt, then a constant-time comparison with the stored tag, as a verify does; no Tessera code in
    /// between. Only matching verifications count.
    static func rawVerifyRate(policy: PasswordPolicy, threads: Int, duration: Duration) throws -> Double {
        let password = Array("correct horse battery staple".utf8)
        let salt = SecureRandom.bytes(count: policy.saltLength)
        let compute = { @Sendable () throws -> [UInt8] in
            try Argon2.computeRaw(
                engine: Argon2.preferredEngine, variant: policy.algorithm, memoryKiB: policy.memoryKiB,
                iterations: policy.iterations, parallelism: policy.parallelism, password: password, salt: salt,
                hashLength: policy.hashLength
            )
        }
        let stored = try compute()
        let counts = CryptoBenchmarks.Counts(threads)
        let started = ContinuousClock.now
        let deadline = started + duration
        DispatchQueue.concurrentPerform(iterations: threads) { index in
            var done = 0
            while ContinuousClock.now < deadline {
                if let tag = try? compute(), ConstantTime.equals(tag, stored) { done += 1 }
            }
            counts.set(index, done)
        }
        return Double(counts.total) / RpcBenchmarks.seconds(ContinuousClock.now - started)
    }
}
