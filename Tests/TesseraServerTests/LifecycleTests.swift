import Foundation
import Logging
import MetricsTestKit
import NIOCore
import ServiceLifecycle
import TesseraCrypto
import TesseraServer
import TesseraWire
import Testing

/// Graceful shutdown, idle connections and the connection limit.
@Suite("Connection lifecycle", .timeLimit(.minutes(5)))
struct LifecycleTests {
    @Test("Graceful shutdown: go_away with the last call id, calls in flight complete, later calls UNAVAILABLE")
    func gracefulShutdown() async throws {
        let token = OpaqueToken.generate(.caller)
        let registry = try CallerRegistry(
            file: CallersFile(callers: [
                .init(id: "admin", credentialSHA256: token.digest.hex, allow: ["*"])
            ]))
        let hasher = try PasswordHasher(configuration: .init(workers: 1))
        let cipher = EnvelopeCipher(keyring: try Keyring.generate())
        var router = StatelessServices(hasher: hasher, cipher: cipher).router()
        // The two calls are held until the late call has been refused, however slowly a loaded machine gets there;
        // the grace period and their deadlines leave them all the time that takes.
        let gate = GatedSeal()
        gate.install(&router)
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let server = TesseraServer(
            configuration: .init(host: "127.0.0.1", port: 0, shutdownGracePeriod: .seconds(60)), router: router,
            callers: registry, logger: logger
        )
        let group = ServiceGroup(services: [server], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let client = try await RawClient.connect(to: try await server.listeningAddress())
            let first = try await client.call(
                GatedSeal.method, body: Tessera_V1_SealRequest(), token: token.reveal(), timeoutMilliseconds: 60_000)
            let second = try await client.call(
                GatedSeal.method, body: Tessera_V1_SealRequest(), token: token.reveal(), timeoutMilliseconds: 60_000)
            // Frames are handled in order: once the pong is back, both calls are in flight on the server.
            var ping = Tessera_Wire_V1_Frame()
            ping.kind = .ping(Tessera_Wire_V1_Ping())
            try await client.send(ping)
            guard case .pong = try await client.receive()?.kind else {
                Issue.record("expected a pong")
                return
            }
            await group.triggerGracefulShutdown()
            let goAwayFrame = try #require(try await client.receive())
            guard case .goAway(let goAway) = goAwayFrame.kind else {
                Issue.record("expected go_away, got \(goAwayFrame)")
                return
            }
            #expect(goAway.lastCallID == second)
            let late = try await client.call(MethodCatalog.healthCheck.name, token: token.reveal())
            let refused = try await client.receiveReply()
            #expect(refused.id == late)
            #expect(refused.code == .unavailable)
            gate.open()
            var replies: [UInt64: StatusCode] = [:]
            for _ in 0..<2 {
                let reply = try await client.receiveReply()
                replies[reply.id] = reply.code
            }
            #expect(replies == [first: .ok, second: .ok])
            #expect(try await client.receive() == nil)
            try await tasks.waitForAll()
        }
        try await hasher.shutdown()
    }

    @Test("An idle connection gets go_away and is closed")
    func idle() async throws {
        // Long enough for the first call to arrive on a loaded machine; the bound below is far longer still.
        try await TestServer.with(configuration: .init(idleTimeout: .seconds(5))) { server in
            let client = try await server.connect()
            #expect(try await client.unary(MethodCatalog.healthCheck.name, token: server.adminToken).code == .ok)
            let started = ContinuousClock.now
            let frames = await client.drainUntilClosed()
            #expect(ContinuousClock.now - started < .seconds(30))
            guard case .goAway(let goAway) = frames.first?.kind else {
                Issue.record("expected go_away, got \(frames)")
                return
            }
            #expect(goAway.reason == "idle")
            #expect(goAway.lastCallID == 1)
        }
    }

    @Test("A connection past the limit gets go_away and is closed at once")
    func connectionLimit() async throws {
        try await TestServer.with(configuration: .init(maxConnections: 1)) { server in
            let first = try await server.connect()
            #expect(try await first.unary(MethodCatalog.healthCheck.name, token: server.adminToken).code == .ok)
            let second = try await server.connect()
            let frames = await second.drainUntilClosed()
            guard case .goAway(let goAway) = frames.first?.kind else {
                Issue.record("expected go_away, got \(frames)")
                return
            }
            #expect(goAway.reason == "too many connections")
            #expect(try await first.unary(MethodCatalog.healthCheck.name, token: server.adminToken).code == .ok)
        }
    }
}

/// Cancellation and slow readers.
@Suite("Cancellation and backpressure", .timeLimit(.minutes(5)))
struct BackpressureTests {
    @Test("Cancelling run() stops the server promptly, connections included")
    func cancelRun() async throws {
        let token = OpaqueToken.generate(.caller)
        let registry = try CallerRegistry(
            file: CallersFile(callers: [
                .init(id: "admin", credentialSHA256: token.digest.hex, allow: ["*"])
            ]))
        var router = CallRouter()
        SlowSeal.install(&router)
        let server = TesseraServer(
            configuration: .init(host: "127.0.0.1", port: 0), router: router, callers: registry,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        let run = Task { try await server.run() }
        let client = try await RawClient.connect(to: try await server.listeningAddress())
        try await client.call(
            SlowSeal.method, body: SlowSeal.request(milliseconds: 120_000).bytes, token: token.reveal())
        try await Task.sleep(for: .milliseconds(100))
        let started = ContinuousClock.now
        run.cancel()
        try await run.value
        #expect(ContinuousClock.now - started < .seconds(60), "the call in flight would have taken two minutes")
        _ = await client.drainUntilClosed()
    }

    @Test("A client that never reads its replies is disconnected after the write timeout")
    func stalledWriter() async throws {
        let configuration = ServerConfiguration(maxCallsInFlightPerConnection: 64, writeTimeout: .milliseconds(300))
        try await TestServer.with(configuration: configuration, customize: BigReply.install) { server in
            let client = try await server.connect(autoRead: false)
            // 40 replies of 900 KB: far more than the socket buffers hold, and the client reads none of them.
            // The server may hang up while the calls are still going out: that is the point.
            for _ in 0..<40 {
                _ = try? await client.call(MethodCatalog.secretsOpen.name, token: server.adminToken)
            }
            // Bounded generously: on a loaded machine the supervisor can take a while to get its turns.
            let deadline = ContinuousClock.now + .seconds(30)
            var count = server.server.connectionCount
            while count > 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
                count = server.server.connectionCount
            }
            #expect(count == 0)
            let other = try await server.connect()
            #expect(try await other.unary(MethodCatalog.healthCheck.name, token: server.adminToken).code == .ok)
        }
    }

    @Test("A client that stops reading stalls its connection at the in-flight limit; once it reads, one reply per call")
    func slowReader() async throws {
        let metrics = TestMetrics()
        try await TestServer.with(
            configuration: .init(maxCallsInFlightPerConnection: 4),
            metricsFactory: metrics,
            customize: BigReply.install
        ) { server in
            let client = try await server.connect(autoRead: false)
            // 64 replies of 900 KB, far more than the socket buffers hold, while the client reads nothing.
            var ids: Set<UInt64> = []
            for _ in 0..<64 {
                ids.insert(try await client.call(MethodCatalog.secretsOpen.name, token: server.adminToken))
            }
            // The server stops at the in-flight limit: at most four replies wait for the client instead of 64 in
            // memory. (Fewer may wait: the read loop can itself be stuck writing the refusal of a call over the
            // limit while one of the four has been handed to the socket.)
            let inFlight = try metrics.expectMeter("tessera_rpc_calls_in_flight")
            var stalled = false
            for _ in 0..<60 where !stalled {
                try await Task.sleep(for: .milliseconds(50))
                stalled = inFlight.lastValue == 4
            }
            #expect((inFlight.lastValue ?? 0) >= 1, "calls wait for the client to read")
            #expect(inFlight.values.allSatisfy { $0 <= 4 }, "never more than the limit in flight")
            try await client.startReading()
            var codes: [StatusCode: Int] = [:]
            while !ids.isEmpty {
                let reply = try await client.receiveReply()
                #expect(ids.remove(reply.id) != nil)
                codes[reply.code, default: 0] += 1
            }
            #expect(Set(codes.keys).isSubset(of: [.ok, .resourceExhausted]))
            #expect(codes[.ok, default: 0] >= 4)
            let other = try await server.connect()
            #expect(try await other.unary(MethodCatalog.healthCheck.name, token: server.adminToken).code == .ok)
        }
    }
}

/// Start-up failures.
@Suite("Start-up", .timeLimit(.minutes(5)))
struct StartupTests {
    @Test("A port already in use makes run() and listeningAddress() throw")
    func portInUse() async throws {
        try await TestServer.with { server in
            let port = try #require(server.address.port)
            let second = TesseraServer(
                configuration: .init(host: "127.0.0.1", port: port),
                router: CallRouter(),
                callers: try CallerRegistry(file: CallersFile()),
                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
            )
            await #expect(throws: (any Error).self) { try await second.run() }
            await #expect(throws: (any Error).self) { try await second.listeningAddress() }
            await #expect(throws: TesseraServerError.self) { try await second.run() }
        }
    }

    @Test("Missing TLS files stop the server before it listens")
    func missingTLSFiles() async throws {
        let server = TesseraServer(
            configuration: .init(
                host: "127.0.0.1", port: 0,
                tls: .init(certificateChainPath: "/nonexistent/server.pem", privateKeyPath: "/nonexistent/key.pem")
            ),
            router: CallRouter(),
            callers: try CallerRegistry(file: CallersFile()),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        await #expect(throws: (any Error).self) { try await server.run() }
    }
}
