import Foundation
import Logging
import TesseraServer
import TesseraTestSupport
import TesseraWire
import Testing

/// Calls refused before authentication are limited per client address, and logged by kind (issue 14, item 10):
/// past the address's budget the refusal is followed by a `go_away` and the connection is closed; the per-call log
/// line is at debug, and ordinary outcomes are not logged as errors.
@Suite("Unauthenticated refusals and log levels", .timeLimit(.minutes(1)))
struct UnauthenticatedThrottleTests {
    private static let budget = 5

    @Test(
        "Past its address's budget an unauthenticated call is answered, then go_away and close",
        arguments: [MethodCatalog.healthCheck.name, MethodCatalog.passwordsHash.name])
    func budgetPerAddress(method: String) async throws {
        // The connections here never authenticate: under a loaded machine (the whole suite on 2 cores) the default
        // 10 s before-authentication idle timeout closed them with go_away `idle` before the budget ran out, which
        // is another rule (AddressLimitTests covers it). Here it is long enough to be out of the way.
        var configuration = ServerConfiguration(
            maxUnauthenticatedFailuresPerAddress: Self.budget, unauthenticatedFailureWindow: .seconds(600))
        configuration.unauthenticatedIdleTimeout = .seconds(120)
        try await TestServer.with(configuration: configuration) { server in
            let client = try await server.connect()
            for _ in 0..<Self.budget {
                #expect(try await client.unary(method, token: "tsc_wrong").code == .unauthenticated)
            }
            let last = try await client.call(method, token: nil)
            let frames = await client.drainUntilClosed()
            #expect(frames.replies.map(\.id) == [last])
            #expect(frames.replies.first?.code == .unauthenticated)
            let goAway = try #require(frames.firstGoAway)
            #expect(goAway.reason.contains("refused before authentication"))
            #expect(goAway.lastCallID == last)

            // The budget is the address's, not the connection's.
            let next = try await server.connect()
            try await next.call(method, token: nil)
            #expect(await next.drainUntilClosed().firstGoAway != nil)

            // Authenticated calls from the same address are not affected.
            let caller = try await server.connect()
            #expect(try await caller.unary(MethodCatalog.healthCheck.name, token: server.adminToken).code == .ok)
        }
    }

    @Test("Per-call lines are debug; refusals and ordinary failures are not info, and not errors")
    func logLevels() async throws {
        let store = CapturingLogHandler.Store()
        let configuration = ServerConfiguration(
            maxUnauthenticatedFailuresPerAddress: 3, unauthenticatedFailureWindow: .seconds(600))
        try await TestServer.with(
            configuration: configuration, logger: CapturingLogHandler.logger("tessera.test", store: store)
        ) { server in
            let caller = try await server.connect()
            #expect(try await caller.unary(MethodCatalog.healthCheck.name, token: server.adminToken).code == .ok)
            // A malformed PHC string: an ordinary INVALID_ARGUMENT from the crypto core.
            var verify = Tessera_V1_VerifyPasswordRequest()
            verify.password = "password"
            verify.phc = "$argon2id$not-a-hash"
            let reply = try await caller.unary(
                MethodCatalog.passwordsVerify.name, body: verify, token: server.adminToken)
            #expect(reply.code == .invalidArgument)
            // Three connections that each run out of refusals.
            for _ in 0..<3 {
                let stranger = try await server.connect()
                for _ in 0..<4 {
                    _ = try? await stranger.call(MethodCatalog.healthCheck.name, token: nil)
                }
                _ = await stranger.drainUntilClosed()
            }
        }
        let lines = store.all
        #expect(lines.contains { $0.hasPrefix("debug") && $0.contains(" call ") })
        #expect(!lines.contains { !$0.hasPrefix("debug") && !$0.hasPrefix("trace") && $0.contains(" call ") })
        #expect(!lines.contains { $0.hasPrefix("error") }, "\(lines.filter { $0.hasPrefix("error") })")
        let throttled = lines.filter { $0.contains("refused before authentication") }
        #expect(throttled.filter { $0.hasPrefix("notice") }.count == 1, "one notice when the address runs out")
    }
}
