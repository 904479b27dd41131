import Foundation
import Logging
import NIOCore
import NIOEmbedded
import Synchronization
import TesseraCrypto
import TesseraWire
import Testing

@testable import TesseraServer

/// `Health/Check` and the single-item `Secrets` methods are answered on the event loop as their frames are decoded,
/// never behind the work queued for the connection's read loop; what cannot be answered there goes to the read loop
/// unchanged.
@Suite("Calls answered on the event loop", .timeLimit(.minutes(5)))
struct EventLoopAnswerTests {
    /// How long the blocking test handler waits at most for the test to release it.
    static let blockLimit: Duration = .seconds(30)

    @Test("Health, Seal and Open are answered while their connection's read loop is held by another call")
    func answeredAheadOfTheReadLoop() async throws {
        let release = Atomic<Bool>(false)
        try await TestServer.with(customize: { router in
            // An immediate handler runs on the read loop: while it blocks, the loop reads no further frame.
            router.registerImmediate(MethodCatalog.totpGenerate, request: Tessera_V1_GenerateTotpRequest.self) {
                _, _ in
                let started = ContinuousClock.now
                while !release.load(ordering: .acquiring), ContinuousClock.now - started < Self.blockLimit {
                    usleep(1000)
                }
                return Tessera_V1_GenerateTotpResponse()
            }
        }) { server in
            let client = try await server.connect()
            // Calls are answered on the event loop once the connection's read loop runs; this call waits for it.
            #expect(try await client.unary(MethodCatalog.healthCheck.name, token: server.adminToken).code == .ok)
            let held = try await client.call(
                MethodCatalog.totpGenerate.name, body: Tessera_V1_GenerateTotpRequest(), token: server.adminToken)
            let health = try await client.call(MethodCatalog.healthCheck.name, token: server.adminToken)
            var seal = Tessera_V1_SealRequest()
            seal.plaintext = Data("sk-live-0123".utf8)
            seal.context = ["user_id": "42"]
            let sealID = try await client.call(MethodCatalog.secretsSeal.name, body: seal, token: server.adminToken)

            let first = try await client.receiveReply()
            #expect(first.id == health)
            #expect(first.code == .ok)
            let sealed = try await client.receiveReply()
            #expect(sealed.id == sealID)
            #expect(sealed.code == .ok)
            var open = Tessera_V1_OpenRequest()
            open.sealed = try Tessera_V1_SealResponse(serializedBytes: sealed.body).sealed
            open.context = seal.context
            let openID = try await client.call(MethodCatalog.secretsOpen.name, body: open, token: server.adminToken)
            let opened = try await client.receiveReply()
            #expect(opened.id == openID)
            #expect(try Tessera_V1_OpenResponse(serializedBytes: opened.body).plaintext == seal.plaintext)

            release.store(true, ordering: .releasing)
            let last = try await client.receiveReply()
            #expect(last.id == held)
            #expect(last.code == .ok)
            // The health check's slot and id were released: the same id can be used again at once.
            let again = try await client.call(MethodCatalog.healthCheck.name, token: server.adminToken, id: health)
            #expect(try await client.receiveReply().id == again)
        }
    }

    @Test("A call is refused on the event loop as on the read loop: no credential, a method not allowed")
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
        let fixture = try await Fixture.make()
        let (channel, control, admin) = (fixture.channel, fixture.control, fixture.admin)
        let health = { (id: UInt64) in Self.call(MethodCatalog.healthCheck.name, id: id, token: admin) }

        // The read loop does not run yet: it answers when it does.
        try await channel.writeInbound(health(1))
        #expect(try await channel.readInbound(as: Tessera_Wire_V1_Frame.self) == health(1))
        _ = control.register(1, limit: 10)
        control.releaseID(1)
        control.finish()

        control.startServing()
        try await channel.writeInbound(health(2))
        let answer = try await fixture.readReply()
        #expect(answer.id == 2)
        #expect(answer.status.code == .ok)
        #expect(control.callsInFlight == 0)
        #expect(try await channel.readInbound(as: Tessera_Wire_V1_Frame.self) == nil)

        // A method served on the read loop.
        let hash = Self.call(MethodCatalog.passwordsHash.name, id: 3, token: admin)
        try await channel.writeInbound(hash)
        #expect(try await channel.readInbound(as: Tessera_Wire_V1_Frame.self) == hash)
        _ = control.register(3, limit: 10)
        control.releaseID(3)
        control.finish()

        // An earlier call with the same id, still queued for the read loop: the health check must not overtake it,
        // so that the read loop sees the duplicate and closes the connection with go_away.
        let queued = Self.call(MethodCatalog.passwordsHash.name, id: 4, token: admin)
        try await channel.writeInbound(queued)
        try await channel.writeInbound(health(4))
        #expect(try await channel.readInbound(as: Tessera_Wire_V1_Frame.self) == queued)
        #expect(try await channel.readInbound(as: Tessera_Wire_V1_Frame.self) == health(4))
        guard case .accepted = control.register(4, limit: 10) else {
            Issue.record("the queued call 4 should be admitted")
            return
        }
        guard case .duplicate = control.register(4, limit: 10) else {
            Issue.record("the health check with id 4 should be a duplicate")
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
        try await fixture.finish()
    }

    @Test("Ids of calls the read loop has taken stop counting as queued, however many went by")
    func passedOnIDsArePruned() async throws {
        let fixture = try await Fixture.make()
        let (channel, control, admin) = (fixture.channel, fixture.control, fixture.admin)
        control.startServing()
        for id in UInt64(1)...3000 {
            try await channel.writeInbound(Self.call(MethodCatalog.passwordsHash.name, id: id, token: admin))
            _ = try await channel.readInbound(as: Tessera_Wire_V1_Frame.self)
            _ = control.register(id, limit: 10)
            control.releaseID(id)
            control.finish()
        }
        try await channel.writeInbound(Self.call(MethodCatalog.healthCheck.name, id: 5, token: admin))
        let answer = try await fixture.readReply()
        #expect(answer.id == 5)
        #expect(answer.status.code == .ok)
        try await fixture.finish()
    }

    @Test("One read gets at most its share of answers on the event loop, flushed once; the rest go to the read loop")
    func shareOfARead() async throws {
        let fixture = try await Fixture.make()
        let (channel, control, admin) = (fixture.channel, fixture.control, fixture.admin)
        control.startServing()
        let share = EventLoopResponder.maxAnsweredPerRead
        let burst = (1...UInt64(share + 10)).map { Self.call(MethodCatalog.secretsSeal.name, id: $0, token: admin) }
        // One read of the socket that decodes the whole burst: channelRead for each frame, then one readComplete.
        try await channel.eventLoop.submit {
            for frame in burst { channel.pipeline.fireChannelRead(NIOAny(frame)) }
        }.get()
        #expect(try await channel.readOutbound(as: Tessera_Wire_V1_Frame.self) == nil, "nothing flushed mid-read")
        try await channel.eventLoop.submit { channel.pipeline.fireChannelReadComplete() }.get()
        var answered: [UInt64] = []
        while let frame = try await channel.readOutbound(as: Tessera_Wire_V1_Frame.self) {
            if case .reply(let reply) = frame.kind, reply.status.code == .ok { answered.append(reply.id) }
        }
        #expect(answered == Array(1...UInt64(share)))
        var forwarded: [Tessera_Wire_V1_Frame] = []
        while let frame = try await channel.readInbound(as: Tessera_Wire_V1_Frame.self) { forwarded.append(frame) }
        #expect(forwarded == Array(burst[share...]))
        #expect(control.callsInFlight == 0)

        // The next read has a share of its own.
        try await channel.writeInbound(Self.call(MethodCatalog.healthCheck.name, id: 1, token: admin))
        let answer = try await fixture.readReply()
        #expect(answer.id == 1)
        #expect(answer.status.code == .ok)
        try await fixture.finish()
    }

    /// An ``EventLoopResponder`` on a testing channel in front of the stateless services, and the admin credential
    /// of ``TestServer/callers()``; the test plays the read loop (``ConnectionControl/register(_:limit:)``).
    struct Fixture {
        let channel: NIOAsyncTestingChannel
        let control: ConnectionControl
        let admin: String
        let hasher: PasswordHasher

        static func make() async throws -> Fixture {
            let (file, admin, _, _) = TestServer.callers()
            let hasher = try PasswordHasher(configuration: .init(workers: 1, maxQueued: 0))
            let server = TesseraServer(
                configuration: ServerConfiguration(),
                router: StatelessServices(hasher: hasher, cipher: EnvelopeCipher(keyring: try Keyring.generate()))
                    .router(),
                callers: try CallerRegistry(file: file),
                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
            )
            let channel = NIOAsyncTestingChannel()
            let control = ConnectionControl(id: 1)
            try await channel.eventLoop.submit {
                try channel.pipeline.syncOperations.addHandler(
                    EventLoopResponder(server: server, control: control, logger: server.logger))
            }.get()
            return Fixture(channel: channel, control: control, admin: admin, hasher: hasher)
        }

        /// The next reply the responder wrote and flushed.
        func readReply() async throws -> Tessera_Wire_V1_Reply {
            let frame = try #require(try await channel.readOutbound(as: Tessera_Wire_V1_Frame.self))
            guard case .reply(let reply) = frame.kind else {
                throw RawClientError("expected a reply, got \(frame)")
            }
            return reply
        }

        /// Closes the channel and stops the hasher.
        func finish() async throws {
            _ = try await channel.finish()
            try await hasher.shutdown()
        }
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
