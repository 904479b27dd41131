import Foundation
import TesseraClient
import TesseraStorePostgres

extension AuthBenchmarks.Bench {
    /// `Sessions/Refresh` at each level of concurrency against pgbench running the same SQL, alternating in rounds.
    ///
    /// Each client signs in once at set-up and then refreshes its own session: the token each refresh returns is the
    /// one it presents next (concurrent refreshes of one token are another case, the grace window's). pgbench's
    /// clients likewise rotate their own chains of tokens, seeded afresh for each of its rounds. Latencies are every
    /// call's (client side, over the socket) and every pgbench script run's (`-l`), over all rounds.
    func refreshRows(
        accounts: [String],
        url: String,
        pgbench: Pgbench,
        store: PostgresStore,
        signIn: TesseraClient,
        log: @escaping @Sendable (String) -> Void
    ) async throws -> [BenchReport.Row] {
        var rows: [BenchReport.Row] = []
        for (level, clients) in settings.refreshClients.enumerated() {
            guard clients <= accounts.count else { throw RpcBenchmarkError("more refresh clients than accounts") }
            var tokens: [String] = []
            for email in accounts.prefix(clients) {
                let response = try await signIn.authenticate(email: email, password: password)
                guard case .session(let session) = response.result else {
                    throw RpcBenchmarkError("a benchmark account could not sign in")
                }
                tokens.append(session.refreshToken)
            }
            let client = try self.client(connections: clients)
            do {
                log(
                    "auth: Sessions/Refresh over RPC and pgbench (same SQL), \(clients) client(s), "
                        + "\(settings.refreshRounds) rounds each, alternately")
                // Warm up: every client through a few refreshes (statements prepared on each pooled connection).
                tokens = try await Self.refreshes(tokens, client: client, for: .milliseconds(300)).tokens
                var ours: [Duration] = []
                var theirs: [Duration] = []
                var round = 0
                let duration = settings.duration
                let rates = try await Alternation.run(
                    rounds: settings.refreshRounds,
                    measured: {
                        let started = ContinuousClock.now
                        let result = try await Self.refreshes(tokens, client: client, for: duration)
                        let elapsed = RpcBenchmarks.seconds(ContinuousClock.now - started)
                        tokens = result.tokens
                        ours += result.latencies
                        return Double(result.latencies.count) / elapsed
                    },
                    baseline: {
                        // Fresh chains for every run of pgbench (its counters start at 0), numbered apart.
                        round += 1
                        let base = Int64(level * 100 + round) * 1_000 * Pgbench.clientStride
                        try await AuthRefreshPgbench.seed(in: store, clients: clients, base: base)
                        let run = try await pgbench.measure(
                            url: url, script: AuthRefreshPgbench.script, clients: clients, duration: duration,
                            base: base, logLatencies: true
                        )
                        theirs += run.latencies
                        return run.rate
                    }
                )
                await client.shutdown()
                let baselineName = "pgbench -M prepared -c \(clients) -j \(clients), same SQL as a custom script"
                rows.append(
                    .init(
                        name: "RPC Sessions/Refresh throughput, PostgreSQL, \(clients) client(s)",
                        value: rates.measured, unit: "refresh/s", baseline: rates.baseline,
                        baselineName: baselineName + "; " + rates.summary, target: 0.7
                    )
                )
                for (label, quantile) in [("p50", 0.50), ("p99", 0.99)] {
                    rows.append(
                        .init(
                            name: "RPC Sessions/Refresh latency \(label), \(clients) client(s)",
                            value: RpcBenchmarks.milliseconds(RpcBenchmarks.percentile(ours, quantile)), unit: "ms",
                            baseline: RpcBenchmarks.milliseconds(RpcBenchmarks.percentile(theirs, quantile)),
                            baselineName: "\(baselineName) (-l); \(ours.count) calls, \(theirs.count) script runs"
                        )
                    )
                }
            } catch {
                await client.shutdown()
                throw error
            }
        }
        return rows
    }

    /// Each client refreshes its own session, presenting its current token and keeping the successor, until the
    /// time is up.
    /// - Returns: Every client's last token (in order) and the latency of every refresh.
    static func refreshes(_ tokens: [String], client: TesseraClient, for duration: Duration) async throws
        -> (tokens: [String], latencies: [Duration])
    {
        let deadline = ContinuousClock.now + duration
        return try await withThrowingTaskGroup(of: (Int, String, [Duration]).self) { group in
            for (index, first) in tokens.enumerated() {
                group.addTask {
                    var token = first
                    var latencies: [Duration] = []
                    latencies.reserveCapacity(4_096)
                    let clock = ContinuousClock()
                    while clock.now < deadline {
                        let started = clock.now
                        let response = try await client.refresh(token: token)
                        latencies.append(clock.now - started)
                        guard case .session(let next) = response.result else {
                            throw RpcBenchmarkError("a benchmark refresh was refused: \(response.refused)")
                        }
                        token = next.refreshToken
                    }
                    return (index, token, latencies)
                }
            }
            var last = tokens
            var latencies: [Duration] = []
            for try await (index, token, samples) in group {
                last[index] = token
                latencies += samples
            }
            return (last, latencies)
        }
    }
}
