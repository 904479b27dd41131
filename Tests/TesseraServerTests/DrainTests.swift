import Dispatch
import Foundation
import Logging
import NIOCore
import NIOPosix
import TesseraCrypto
import TesseraWire
import Testing

@testable import TesseraServer

/// Every call sent on a connection accepted while a graceful shutdown begins gets an answer (issue 14, item 11):
/// the connection gets a `go_away`, then `UNAVAILABLE` for each call it had pipelined, instead of being closed with
/// its calls unanswered.
@Suite("Drain of connections accepted during shutdown")
struct DrainTests {
    @Test(
        "Calls pipelined on a connection accepted as the shutdown begins get go_away, then UNAVAILABLE each",
        .timeLimit(.minutes(1)))
    func pipelinedDuringShutdown() async throws {
        let token = OpaqueToken.generate(.caller)
        let registry = try CallerRegistry(
            file: CallersFile(callers: [.init(id: "admin", credentialSHA256: token.digest.hex, allow: ["*"])]))
        let hasher = try PasswordHasher(configuration: .init(workers: 1))
        let cipher = EnvelopeCipher(keyring: try Keyring.generate())
        var router = StatelessServices(hasher: hasher, cipher: cipher).router()
        let seal = GatedSeal()
        seal.install(&router)
        // The listener and the connections get a loop each, which the test holds in turn. The linger and the grace
        // period are far longer than the test: each connection ends when its client, having its answers, closes it.
        let listenerLoops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let connectionLoops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = TesseraServer(
            configuration: .init(
                host: "127.0.0.1", port: 0, shutdownGracePeriod: .seconds(120), goAwayLinger: .seconds(120)),
            router: router, callers: registry, hasher: hasher,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
            metricsFactory: nil, eventLoopGroup: listenerLoops, connectionEventLoopGroup: connectionLoops
        )
        let run = Task { try await server.run() }
        let address = try await server.listeningAddress()

        // A connection with a call in flight keeps the drain going while the late connection is set up.
        let early = try await RawClient.connect(to: address)
        let held = try await early.call(
            GatedSeal.method, body: Tessera_V1_SealRequest(), token: token.reveal(), timeoutMilliseconds: 60_000)
        var ping = Tessera_Wire_V1_Frame()
        ping.kind = .ping(Tessera_Wire_V1_Ping())
        try await early.send(ping)
        guard case .pong = try await early.receive()?.kind else {
            Issue.record("expected a pong")
            return
        }

        // The late connection is set up in steps the test holds (NIO sets up an accepted connection in two steps on
        // its loop, with a turn of the listener's loop between them): the listener accepts it while the
        // connections' loop is held, its initializer runs (it is then pending) while the listener's loop is held, and
        // the shutdown begins before the listener hands it to the accept loop, so that the listener's close is
        // queued after that hand-over.
        let listenerLoop = listenerLoops.next()
        let connectionLoop = connectionLoops.next()
        let firstGate = DispatchSemaphore(value: 0)
        let secondGate = DispatchSemaphore(value: 0)
        let listenerGate = DispatchSemaphore(value: 0)
        let (secondGateReached, reached) = AsyncStream<Void>.makeStream()
        connectionLoop.execute { firstGate.wait() }
        let late = try await RawClient.connect(to: address)
        var ids: [UInt64] = []
        let methods = [MethodCatalog.healthCheck, MethodCatalog.passwordsHash, MethodCatalog.totpGenerate].map(\.name)
        for method in methods {
            ids.append(try await late.call(method, token: token.reveal()))
        }
        // Two turns of the listener's loop (socket events before tasks): the connection is accepted and its first
        // set-up step waits behind the first gate.
        try await listenerLoop.submit {}.get()
        try await listenerLoop.submit {}.get()
        connectionLoop.execute {
            reached.yield()
            secondGate.wait()
        }
        firstGate.signal()
        var gateIterator = secondGateReached.makeAsyncIterator()
        _ = await gateIterator.next()
        // The first step has run and handed back to the listener, which queues the initializer behind the second
        // gate; then the listener is held.
        try await listenerLoop.submit {}.get()
        listenerLoop.execute { listenerGate.wait() }
        secondGate.signal()
        while server.pendingConnectionCount == 0 {
            try await Task.sleep(for: .milliseconds(5))
        }
        server.shutdownGracefully()
        listenerGate.signal()
        reached.finish()

        // The early connection: its go_away covers its call, which completes.
        guard case .goAway(let earlyGoAway) = try await early.receive()?.kind else {
            Issue.record("expected go_away on the early connection")
            return
        }
        #expect(earlyGoAway.lastCallID == held)
        seal.open()
        let reply = try await early.receiveReply()
        #expect(reply.id == held && reply.code == .ok)
        await early.close()

        // The late connection: a go_away first, then every call it sent answered UNAVAILABLE.
        let first = try #require(try await late.receive())
        guard case .goAway(let goAway) = first.kind else {
            Issue.record("expected go_away first, got \(first)")
            return
        }
        #expect(goAway.lastCallID == 0)
        var answered: [UInt64: StatusCode] = [:]
        while answered.count < ids.count {
            guard let frame = try await late.receive() else {
                Issue.record("closed with calls unanswered: \(Set(ids).subtracting(answered.keys).sorted())")
                break
            }
            if case .reply(let reply) = frame.kind {
                answered[reply.id] = reply.code
            }
        }
        // Every call is after the go_away's last call id: each is answered UNAVAILABLE, none ran.
        #expect(answered == Dictionary(uniqueKeysWithValues: ids.map { ($0, StatusCode.unavailable) }))
        await late.close()
        try await run.value
        try await hasher.shutdown()
        try await listenerLoops.shutdownGracefully()
        try await connectionLoops.shutdownGracefully()
    }

    // It fails 4 of 4 runs without the server's fix (ConnectionControl.awaitGoAway). It never hung (logging showed
    // every go_away written and read), but in the full suite on two cores a round takes up to 30 s, and its floods
    // on the shared event loops starved a dozen other server tests past their limits in CI: run it with
    // TESSERA_DRAIN_RACE=1, alone.
    @Test(
        "Calls that race a connection's go_away are refused after it on the wire, never before it",
        .timeLimit(.minutes(4)),
        .enabled(if: ProcessInfo.processInfo.environment["TESSERA_DRAIN_RACE"] != nil, "floods the shared loops")
    )
    func refusalsFollowTheGoAway() async throws {
        // A caller pipelines bursts of health checks while the server begins its shutdown. The read loop refuses a call as
        // soon as the connection is draining, while the task that drains it may not have written the go_away yet;
        // a refusal that went out first would look, to a client, like an UNAVAILABLE of a call that ran.
        // The grace period and the linger outlast any run, so the server never closes (and resets) the connection
        // while bursts are still coming: only the client's half-close ends it.
        let patient = ServerConfiguration(shutdownGracePeriod: .seconds(120), goAwayLinger: .seconds(120))
        for _ in 0..<3 {
            try await TestServer.with(configuration: patient) { server in
                let client = try await server.connect()
                // Counted in bursts, not time: on a loaded machine a burst may take longer than any fixed window.
                for burst in 0..<40 {
                    if burst == 20 {
                        server.server.shutdownGracefully()
                    }
                    try await client.sendRaw(Self.burst(of: 32, token: server.adminToken, from: client))
                    try await Task.sleep(for: .milliseconds(1))
                }
                // Closing our side ends the connection at once: read up to the go_away first.
                var frames: [Tessera_Wire_V1_Frame] = []
                while let frame = try await client.receive() {
                    frames.append(frame)
                    if case .goAway = frame.kind { break }
                }
                try await client.channel.close(mode: .output)
                frames += await client.drainUntilClosed()
                let goAwayIndex = try #require(
                    frames.firstIndex { frame in if case .goAway = frame.kind { true } else { false } })
                let lastCallID = try #require(frames.firstGoAway?.lastCallID)
                for case .reply(let reply) in frames[..<goAwayIndex].map(\.kind) {
                    #expect(reply.id <= lastCallID, "reply to call \(reply.id) before the go_away (last \(lastCallID))")
                }
                for case .reply(let reply) in frames[goAwayIndex...].map(\.kind) where reply.id > lastCallID {
                    #expect(reply.code == .unavailable)
                }
            }
        }
    }

    /// `count` health checks with `token`, framed back to back for one write.
    private static func burst(of count: Int, token: String, from client: RawClient) throws -> [UInt8] {
        var bytes = client.channel.allocator.buffer(capacity: count * 64)
        for _ in 0..<count {
            var call = Tessera_Wire_V1_Call()
            call.id = client.makeID()
            call.method = MethodCatalog.healthCheck.name
            call.metadata["authorization"] = "Bearer \(token)"
            var frame = Tessera_Wire_V1_Frame()
            frame.kind = .call(call)
            try FrameEncoder(maximumFrameBytes: 1 << 20).encode(data: frame, out: &bytes)
        }
        return Array(buffer: bytes)
    }
}
