import Foundation
import TesseraServer
import TesseraTestSupport
import TesseraWire
import Testing

/// Many calls on one connection, cancel, deadlines and the in-flight limit.
@Suite("Multiplexing, cancel and deadlines", .timeLimit(.minutes(5)))
struct MultiplexingTests {
    @Test("1000 calls on one connection, replies matched by id and seen out of order")
    func thousandCalls() async throws {
        try await TestServer.with(configuration: .init(maxCallsInFlightPerConnection: 1000)) { server in
            let client = try await server.connect()
            var expected: [UInt64: String] = [:]
            var hash = Tessera_V1_HashPasswordRequest()
            hash.password = "multiplexed password"
            for index in 0..<1000 {
                // Every 50th call is a slow Argon2 hash; the rest are fast health checks.
                let method = index % 50 == 0 ? MethodCatalog.passwordsHash.name : MethodCatalog.healthCheck.name
                let id = try await client.call(
                    method,
                    body: method == MethodCatalog.passwordsHash.name ? hash.bytes : Data(),
                    token: server.adminToken
                )
                expected[id] = method
            }
            var order: [UInt64] = []
            while order.count < 1000 {
                let reply = try await client.receiveReply()
                let removed = expected.removeValue(forKey: reply.id)
                let method = try #require(removed, "reply for an unknown id")
                #expect(reply.code == .ok)
                if method == MethodCatalog.passwordsHash.name {
                    #expect(try reply.decode(Tessera_V1_HashPasswordResponse.self).phc.hasPrefix("$argon2id$"))
                } else {
                    #expect(try reply.decode(Tessera_V1_HealthCheckResponse.self).status == .serving)
                }
                order.append(reply.id)
            }
            #expect(expected.isEmpty)
            #expect(order != order.sorted(), "replies should not all come back in call order")
        }
    }

    @Test("cancel answers CANCELLED at once and frees the id")
    func cancel() async throws {
        try await TestServer.with(customize: SlowSeal.install) { server in
            let client = try await server.connect()
            let started = ContinuousClock.now
            let id = try await client.call(
                SlowSeal.method, body: SlowSeal.request(milliseconds: 60_000).bytes, token: server.adminToken)
            try await client.cancel(id)
            let reply = try await client.receiveReply()
            #expect(reply.id == id)
            #expect(reply.code == .cancelled)
            #expect(ContinuousClock.now - started < .seconds(30), "the call would have taken a minute")
            // A cancel for an id not in flight is ignored, and the id can be used again.
            try await client.cancel(id)
            try await client.call(MethodCatalog.healthCheck.name, token: server.adminToken, id: id)
            let again = try await client.receiveReply()
            #expect(again.id == id && again.code == .ok)
        }
    }

    @Test("A call past its deadline is DEADLINE_EXCEEDED; timeouts are capped at the maximum")
    func deadline() async throws {
        // The maximum must leave the quick call below room on a loaded machine; the slow call takes far longer.
        let configuration = ServerConfiguration(defaultTimeout: .milliseconds(150), maxTimeout: .seconds(10))
        try await TestServer.with(configuration: configuration, customize: SlowSeal.install) { server in
            let client = try await server.connect()
            // The slow call would take a minute: answering well before that proves the deadline cut it short,
            // with a bound loose enough for a loaded CI machine.
            let slow = SlowSeal.request(milliseconds: 60_000)
            for timeout: UInt32 in [50, 0, 60_000] {
                let started = ContinuousClock.now
                let reply = try await client.unary(
                    SlowSeal.method, body: slow, token: server.adminToken, timeoutMilliseconds: timeout)
                #expect(reply.code == .deadlineExceeded)
                #expect(reply.body.isEmpty)
                #expect(ContinuousClock.now - started < .seconds(30))
            }
            let quick = try await client.unary(
                SlowSeal.method, body: SlowSeal.request(milliseconds: 1), token: server.adminToken,
                timeoutMilliseconds: 10_000)
            #expect(quick.code == .ok)
        }
    }

    @Test("Calls past the in-flight limit are RESOURCE_EXHAUSTED, the others complete and free their slots")
    func inFlightLimit() async throws {
        let store = CapturingLogHandler.Store()
        try await TestServer.with(
            configuration: .init(maxCallsInFlightPerConnection: 2),
            logger: CapturingLogHandler.logger("tessera.test", store: store),
            customize: Stall.install
        ) { server in
            let client = try await server.connect()
            // Both stall until cancelled, so they still hold their slots when the third call arrives however slowly
            // a loaded machine sends it; the deadline is far off for the same reason.
            let first = try await client.call(
                Stall.method, body: Tessera_V1_OpenRequest(), token: server.adminToken, timeoutMilliseconds: 60_000)
            let second = try await client.call(
                Stall.method, body: Tessera_V1_OpenRequest(), token: server.adminToken, timeoutMilliseconds: 60_000)
            let third = try await client.call(MethodCatalog.healthCheck.name, token: server.adminToken)
            let refused = try await client.receiveReply()
            #expect(refused.id == third)
            #expect(refused.code == .resourceExhausted)
            try await client.cancel(first)
            try await client.cancel(second)
            let done = [try await client.receiveReply(), try await client.receiveReply()]
            #expect(Set(done.map(\.id)) == [first, second])
            #expect(done.allSatisfy { $0.code == .cancelled })
            // A call frees its slot just after its reply is written, then logs its line: once both lines are there,
            // both slots are free (the replies alone may overtake that).
            let deadline = ContinuousClock.now + .seconds(30)
            var logged = 0
            while logged < 2, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
                logged = store.all.count { $0.contains("method=\(Stall.method)") && $0.contains("status=CANCELLED") }
            }
            #expect(logged == 2, "server log lines: \(store.all)")
            let after = try await client.unary(MethodCatalog.healthCheck.name, token: server.adminToken)
            #expect(after.code == .ok)
        }
    }

    @Test("An id may be reused as soon as its reply has arrived")
    func idReuse() async throws {
        try await TestServer.with { server in
            let client = try await server.connect()
            for _ in 0..<300 {
                try await client.call(MethodCatalog.healthCheck.name, token: server.adminToken, id: 5)
                let reply = try await client.receiveReply()
                #expect(reply.id == 5 && reply.code == .ok)
            }
        }
    }
}
