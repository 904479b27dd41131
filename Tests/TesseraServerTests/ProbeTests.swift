import Foundation
import Logging
import NIOCore
import NIOEmbedded
import Synchronization
import TesseraCrypto
import TesseraWire
import Testing

@testable import TesseraServer

/// Probes (`Health/Check`) are answered on the event loop as their frames are decoded, never behind the work
/// queued for the connection's read loop; what cannot be answered there goes to the read loop unchanged.
@Suite("Probes", .timeLimit(.minutes(5)))
struct ProbeTests {
    /// How long the blocking test handler waits at most for the test to release it.
    static let blockLimit: Duration = .seconds(30)

    @Test("A health check is answered while its connection's read loop is held by another call")
    func answeredAheadOfTheReadLoop() async throws {
        let release = Atomic<Bool>(false)
        try await TestServer.with(customize: { router in
            // An immediate handler runs on the read loop: while it blocks, the loop reads no further frame.
            router.registerImmediate(MethodCatalog.secretsSeal, request: Tessera_V1_SealRequest.self) { _, _ in
                let started = ContinuousClock.now
                while !release.load(ordering: .acquiring), ContinuousClock.now - started < Self.blockLimit {
                    usleep(1000)
                }
                return Tessera_V1_SealResponse()
            }
        }) { server in
            let client = try await server.connect()
            // Probes are answered on the event loop once the connection's read loop runs; this call waits for it.
            #expect(try await client.unary(MethodCatalog.healthCheck.name, token: server.adminToken).code == .ok)
            let held = try await client.call(
                MethodCatalog.secretsSeal.name, body: Tessera_V1_SealRequest(), token: server.adminToken)
            let probe = try await client.call(MethodCatalog.healthCheck.name, token: server.adminToken)
            let first = try await client.receiveReply()
            release.store(true, ordering: .releasing)
            let second = try await client.receiveReply()
            #expect(first.id == probe)
            #expect(first.code == .ok)
            #expect(second.id == held)
            #expect(second.code == .ok)
            // The probe's slot and id were released: the same id can be used again at once.
            let again = try await client.call(MethodCatalog.healthCheck.name, token: server.adminToken, id: probe)
            #expect(try await client.receiveReply().id == again)
        }
    }

    @Test("A probe is refused on the event loop as on the read loop: no credential, a method not allowed")
    func refusals() async throws {
        try await TestServer.with { server in
            let client = try await server.connect()
            #expect(try await client.unary(MethodCatalog.healthCheck.name, token: nil).code == .unauthenticated)
            #expect(try await client.unary(MethodCatalog.healthCheck.name, token: "tsc_bogus").code == .unauthenticated)
            #expect(try await client.unary(MethodCatalog.healthCheck.name, token: server.healthOnlyToken).code == .ok)
            var codes: [StatusCode] = []
            for _ in 0..<5 {
                codes.append(try await client.unary(MethodCatalog.healthCheck.name, token: server.limitedToken).code)
            }
            #expect(codes == [.ok, .ok, .ok, .resourceExhausted, .resourceExhausted])
        }
    }

    @Test("Frames the event loop does not answer reach the read loop unchanged")
    func forwarded() async throws {
        let (file, admin, _, _) = TestServer.callers()
        let hasher = try PasswordHasher(configuration: .init(workers: 1, maxQueued: 0))
        let cipher = EnvelopeCipher(keyring: try Keyring.generate())
        let server = TesseraServer(
            configuration: ServerConfiguration(),
            router: StatelessServices(hasher: hasher, cipher: cipher).router(),
            callers: try CallerRegistry(file: file),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        let channel = NIOAsyncTestingChannel()
        let control = ConnectionControl(id: 1)
        try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(
                ProbeResponder(server: server, control: control, logger: server.logger))
        }.get()
        let health = { (id: UInt64) in Self.call(MethodCatalog.healthCheck.name, id: id, token: admin) }

        // The read loop does not run yet: it answers when it does.
        try await channel.writeInbound(health(1))
        #expect(try await channel.readInbound(as: Tessera_Wire_V1_Frame.self) == health(1))
        _ = control.register(1, limit: 10)
        control.releaseID(1)
        control.finish()

        control.startServing()
        try await channel.writeInbound(health(2))
        let reply = try #require(try await channel.readOutbound(as: Tessera_Wire_V1_Frame.self))
        guard case .reply(let answer) = reply.kind else {
            Issue.record("expected a reply, got \(reply)")
            return
        }
        #expect(answer.id == 2)
        #expect(answer.status.code == .ok)
        #expect(control.callsInFlight == 0)
        #expect(try await channel.readInbound(as: Tessera_Wire_V1_Frame.self) == nil)

        // Not a probe.
        let seal = Self.call(MethodCatalog.secretsSeal.name, id: 3, token: admin)
        try await channel.writeInbound(seal)
        #expect(try await channel.readInbound(as: Tessera_Wire_V1_Frame.self) == seal)
        _ = control.register(3, limit: 10)
        control.releaseID(3)
        control.finish()

        // An earlier call with the same id, still queued for the read loop: the probe must not overtake it, so
        // that the read loop sees the duplicate and closes the connection with go_away.
        let queued = Self.call(MethodCatalog.secretsSeal.name, id: 4, token: admin)
        try await channel.writeInbound(queued)
        try await channel.writeInbound(health(4))
        #expect(try await channel.readInbound(as: Tessera_Wire_V1_Frame.self) == queued)
        #expect(try await channel.readInbound(as: Tessera_Wire_V1_Frame.self) == health(4))
        guard case .accepted = control.register(4, limit: 10) else {
            Issue.record("the queued call 4 should be admitted")
            return
        }
        guard case .duplicate = control.register(4, limit: 10) else {
            Issue.record("the probe with id 4 should be a duplicate")
            return
        }
        // The same id in flight (registered by the read loop).
        try await channel.writeInbound(health(4))
        #expect(try await channel.readInbound(as: Tessera_Wire_V1_Frame.self) == health(4))
        _ = control.register(4, limit: 10)
        control.releaseID(4)
        control.finish()

        // The client does not read its replies: no reply around the writer's backpressure.
        channel.isWritable = false
        try await channel.writeInbound(health(5))
        #expect(try await channel.readInbound(as: Tessera_Wire_V1_Frame.self) == health(5))
        channel.isWritable = true

        // Draining after go_away: the read loop answers UNAVAILABLE.
        _ = control.beginDraining()
        try await channel.writeInbound(health(6))
        #expect(try await channel.readInbound(as: Tessera_Wire_V1_Frame.self) == health(6))

        #expect(try await channel.readOutbound(as: Tessera_Wire_V1_Frame.self) == nil)
        _ = try await channel.finish()
        try await hasher.shutdown()
    }

    @Test("Ids of calls the read loop has taken stop counting as queued, however many went by")
    func passedOnIDsArePruned() async throws {
        let (file, admin, _, _) = TestServer.callers()
        let hasher = try PasswordHasher(configuration: .init(workers: 1, maxQueued: 0))
        let server = TesseraServer(
            configuration: ServerConfiguration(),
            router: StatelessServices(hasher: hasher, cipher: EnvelopeCipher(keyring: try Keyring.generate())).router(),
            callers: try CallerRegistry(file: file),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        let channel = NIOAsyncTestingChannel()
        let control = ConnectionControl(id: 1)
        try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(
                ProbeResponder(server: server, control: control, logger: server.logger))
        }.get()
        control.startServing()
        for id in UInt64(1)...3000 {
            try await channel.writeInbound(Self.call(MethodCatalog.secretsSeal.name, id: id, token: admin))
            _ = try await channel.readInbound(as: Tessera_Wire_V1_Frame.self)
            _ = control.register(id, limit: 10)
            control.releaseID(id)
            control.finish()
        }
        try await channel.writeInbound(Self.call(MethodCatalog.healthCheck.name, id: 5, token: admin))
        let reply = try #require(try await channel.readOutbound(as: Tessera_Wire_V1_Frame.self))
        guard case .reply(let answer) = reply.kind else {
            Issue.record("expected a reply, got \(reply)")
            return
        }
        #expect(answer.id == 5)
        #expect(answer.status.code == .ok)
        _ = try await channel.finish()
        try await hasher.shutdown()
    }

    static func call(_ method: String, id: UInt64, token: String) -> Tessera_Wire_V1_Frame {
        var call = Tessera_Wire_V1_Call()
        call.id = id
        call.method = method
        call.metadata["authorization"] = "Bearer \(token)"
        var frame = Tessera_Wire_V1_Frame()
        frame.kind = .call(call)
        return frame
    }
}
