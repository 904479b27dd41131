import Foundation
import TesseraClient

extension AuthBenchmarks.Bench {
    /// The latency of `Accounts/Authenticate` for an unknown email beside that for an existing account's wrong
    /// password: both must cost the same (one real verify, the unknown email's against a dummy hash of the policy),
    /// or response times tell which emails have accounts.
    ///
    /// The calls alternate on one connection, one at a time, the order within each pair swapped every pair
    /// (U W, W U, …), so a machine drifting during the run moves both alike. Every unknown email is new; the wrong
    /// passwords are spread over enough accounts that none reaches the lockout (each takes at most `maxFailures − 1`
    /// failures), so every wrong-password call is a counted failure, not a refusal of a locked account.
    func enumerationRows(client: TesseraClient, log: @escaping @Sendable (String) -> Void) async throws
        -> [BenchReport.Row]
    {
        let pairs = max(1, settings.enumerationPairs)
        let warmUp = 4
        let perAccount = max(1, flows.policy.lockout.maxFailures - 1)
        let accounts = try await register(
            (pairs + warmUp + perAccount - 1) / perAccount, prefix: "bench-wrong", with: client
        )
        log("auth: Accounts/Authenticate latency, unknown email and wrong password alternately, \(pairs) pairs")
        let sequential = try self.client(connections: 1)
        var unknown: [Duration] = []
        var wrong: [Duration] = []
        do {
            for call in 0..<(2 * (pairs + warmUp)) {
                let pair = call / 2
                let wrongFirst = !pair.isMultiple(of: 2)
                let isWrong = call.isMultiple(of: 2) == wrongFirst
                let email =
                    isWrong
                    ? accounts[(pair) / perAccount]
                    : "nobody-\(UUID().uuidString.lowercased())@example.com"
                let started = ContinuousClock.now
                let response = try await sequential.authenticate(email: email, password: "not the password at all")
                let elapsed = ContinuousClock.now - started
                guard case .invalidCredentials = response.result else {
                    throw RpcBenchmarkError("a benchmark sign-in with bad credentials was not refused")
                }
                guard pair >= warmUp else { continue }
                if isWrong { wrong.append(elapsed) } else { unknown.append(elapsed) }
            }
            await sequential.shutdown()
        } catch {
            await sequential.shutdown()
            throw error
        }
        let p90 = String(
            format: "p90 %.2f vs %.2f ms",
            RpcBenchmarks.milliseconds(RpcBenchmarks.percentile(unknown, 0.9)),
            RpcBenchmarks.milliseconds(RpcBenchmarks.percentile(wrong, 0.9))
        )
        return [
            .init(
                name: "RPC Accounts/Authenticate median latency, unknown email",
                value: RpcBenchmarks.milliseconds(RpcBenchmarks.percentile(unknown, 0.5)), unit: "ms",
                baseline: RpcBenchmarks.milliseconds(RpcBenchmarks.percentile(wrong, 0.5)),
                baselineName: "wrong password of an existing account; \(pairs) calls each, alternated on one "
                    + "connection; \(p90)",
                tolerance: 0.05
            )
        ]
    }
}
