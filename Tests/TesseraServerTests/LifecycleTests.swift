import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import Testing
import TesseraCrypto
import TesseraServer
import TesseraWire

/// Graceful shutdown, idle connections and the connection limit.
@Suite("Connection lifecycle")
struct LifecycleTests {
    @Test("Graceful shutdown: go_away with the last call id, calls in flight complete, later calls UNAVAILABLE")
    func gracefulShutdown() async throws {
        let token = OpaqueToken.generate(.caller)
        let registry = try CallerRegistry(file: CallersFile(callers: [
            .init(id: "admin", credentialSHA256: token.digest.hex, allow: ["*"]),
        ]))
        let hasher = try PasswordHasher(configuration: .init(workers: 1))
        let cipher = EnvelopeCipher(keyring: try Keyring.generate())
        var router = StatelessServices(hasher: hasher, cipher: cipher).router()
        SlowSeal.install(&router)
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let server = TesseraServer(
            configuration: .init(host: "127.0.0.1", port: 0), router: router, callers: registry, logger: logger
        )
        let group = ServiceGroup(services: [server], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let client = try await RawClient.connect(to: try await server.listeningAddress())
            let first = try await client.call(SlowSeal.method, body: SlowSeal.request(milliseconds: 400).bytes, token: token.reveal())
            let second = try await client.call(SlowSeal.method, body: SlowSeal.request(milliseconds: 300).bytes, token: token.reveal())
            // Make sure both calls reached the server before shutting down.
            try await Task.sleep(for: .milliseconds(100))
            await group.triggerGracefulShutdown()
            let goAwayFrame = try #require(try await client.receive())
            guard case .goAway(let goAway) = goAwayFrame.kind else {
                Issue.record("expected go_away, got \(goAwayFrame)")
                return
            }
            #expect(goAway.lastCallID == second)
            let late = try await client.call(MethodCatalog.healthCheck.name, token: token.reveal())
            var replies: [UInt64: StatusCode] = [:]
            for _ in 0..<3 {
                let reply = try await client.receiveReply()
                replies[reply.id] = reply.code
            }
            #expect(replies == [first: .ok, second: .ok, late: .unavailable])
            #expect(try await client.receive() == nil)
            try await tasks.waitForAll()
        }
        try await hasher.shutdown()
    }

    @Test("An idle connection gets go_away and is closed")
    func idle() async throws {
        try await TestServer.with(configuration: .init(idleTimeout: .milliseconds(200))) { server in
            let client = try await server.connect()
            #expect(try await client.unary(MethodCatalog.healthCheck.name, token: server.adminToken).code == .ok)
            let started = ContinuousClock.now
            let frames = await client.drainUntilClosed()
            #expect(ContinuousClock.now - started < .seconds(5))
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
