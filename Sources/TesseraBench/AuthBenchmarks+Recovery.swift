import Foundation
import TesseraClient

extension AuthBenchmarks.Bench {
    /// `PasswordResets/Request` for an unknown address beside one with an account: both must cost the same, or the
    /// response time tells which addresses have accounts. Alternated on one connection, the order swapped every
    /// pair, like the sign-in enumeration row; every unknown address is new, the known ones are spread over
    /// accounts so none reaches the per-account limit (set to 100 per hour for the run).
    func resetEnumerationRows(client: TesseraClient, log: @escaping @Sendable (String) -> Void) async throws
        -> [BenchReport.Row]
    {
        let pairs = max(1, settings.enumerationPairs)
        let warmUp = 4
        let perAccount = 90
        let accounts = try await register(
            (pairs + warmUp + perAccount - 1) / perAccount, prefix: "bench-reset", with: client)
        log("auth: PasswordResets/Request latency, unknown and existing address alternately, \(pairs) pairs")
        let sequential = try self.client(connections: 1)
        var unknown: [Duration] = []
        var known: [Duration] = []
        do {
            for call in 0..<(2 * (pairs + warmUp)) {
                let pair = call / 2
                let knownFirst = !pair.isMultiple(of: 2)
                let isKnown = call.isMultiple(of: 2) == knownFirst
                let email =
                    isKnown ? accounts[pair / perAccount] : "nobody-\(UUID().uuidString.lowercased())@example.com"
                let started = ContinuousClock.now
                let response = try await sequential.requestPasswordReset(email: email)
                let elapsed = ContinuousClock.now - started
                guard (response.result != nil) else { throw RpcBenchmarkError("a reset request had no answer") }
                guard pair >= warmUp else { continue }
                if isKnown { known.append(elapsed) } else { unknown.append(elapsed) }
            }
            await sequential.shutdown()
        } catch {
            await sequential.shutdown()
            throw error
        }
        return [
            .init(
                name: "RPC PasswordResets/Request median latency, unknown address",
                value: RpcBenchmarks.milliseconds(RpcBenchmarks.percentile(unknown, 0.5)), unit: "ms",
                baseline: RpcBenchmarks.milliseconds(RpcBenchmarks.percentile(known, 0.5)),
                baselineName: "an address with an account; \(pairs) calls each, alternated on one connection",
                tolerance: 0.05
            )
        ]
    }

    /// Registrations that redeem one shared invitation (its row locked by every redemption until the user is
    /// committed), by `clients` concurrent callers, beside the same registrations without an invitation: what the
    /// redemption under contention costs on PostgreSQL.
    func invitationRows(clients: Int, log: @escaping @Sendable (String) -> Void) async throws -> [BenchReport.Row] {
        let perClient = 12
        let total = clients * perClient
        let pool = try self.client(connections: clients)
        do {
            let created = try await pool.createInvitation(maxUses: Int32(total), ttlSeconds: 3600)
            func rate(_ code: String) async throws -> Double {
                let started = ContinuousClock.now
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for worker in 0..<clients {
                        group.addTask {
                            for index in 0..<perClient {
                                let email =
                                    "inv-\(worker)-\(index)-\(UUID().uuidString.prefix(8).lowercased())@example.com"
                                let response = try await pool.register(
                                    email: email, password: self.password, invitationCode: code)
                                guard !response.userID.isEmpty else {
                                    throw RpcBenchmarkError("a benchmark registration was refused")
                                }
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                return Double(total) / RpcBenchmarks.seconds(ContinuousClock.now - started)
            }
            log("auth: \(total) registrations by \(clients) clients, with one shared invitation and without")
            let withInvitation = try await rate(created.code)
            let without = try await rate("")
            await pool.shutdown()
            return [
                .init(
                    name: "RPC Accounts/Register with one shared invitation, \(clients) clients",
                    value: withInvitation, unit: "registrations/s", baseline: without,
                    baselineName: "the same registrations without an invitation (Argon2 dominates both)"
                )
            ]
        } catch {
            await pool.shutdown()
            throw error
        }
    }
}
