import Dispatch
import Foundation
import Logging
import NIOCore
import NIOPosix
import TesseraCrypto
import TesseraWire
import Testing

@testable import TesseraServer

/// Cancelling `run()` at the points where it races with connections arriving and with a graceful shutdown.
///
/// NIO hands an accepted connection to the accept loop in two steps: the connection's initializer runs on its
/// event loop, then the wrapped connection goes through the listener's accept stream. A connection caught in either
/// step when the loop's task is cancelled is dropped by NIO without being closed, so its client waited forever (and
/// a debug build trapped on the dropped writer). These tests park connections in those steps, then cancel.
@Suite("Cancellation races", .timeLimit(.minutes(1)))
struct CancellationRaceTests {
    private static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    private static func makeServer(
        configuration: ServerConfiguration = .init(host: "127.0.0.1", port: 0),
        eventLoopGroup: MultiThreadedEventLoopGroup = .singleton,
        connectionEventLoopGroup: MultiThreadedEventLoopGroup = .singleton
    ) throws -> (TesseraServer, token: String) {
        let token = OpaqueToken.generate(.caller)
        let registry = try CallerRegistry(
            file: CallersFile(callers: [.init(id: "admin", credentialSHA256: token.digest.hex, allow: ["*"])]))
        var router = CallRouter()
        SlowSeal.install(&router)
        let server = TesseraServer(
            configuration: configuration, router: router, callers: registry, hasher: nil, logger: logger,
            metricsFactory: nil, eventLoopGroup: eventLoopGroup, connectionEventLoopGroup: connectionEventLoopGroup
        )
        return (server, token.reveal())
    }

    @Test("A connection still being set up when run() is cancelled is closed, not left open")
    func cancelDuringConnectionSetUp() async throws {
        // The listener and the connections get a loop each. Gates on the connections' loop stop a new connection
        // between NIO's two set-up steps: its channel options are applied, its initializer (which wraps it for the
        // accept loop) is not run yet.
        let listenerLoops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let connectionLoops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let listenerLoop = listenerLoops.next()
        let connectionLoop = connectionLoops.next()
        let (server, token) = try Self.makeServer(
            eventLoopGroup: listenerLoops, connectionEventLoopGroup: connectionLoops)
        let run = Task { try await server.run() }
        let address = try await server.listeningAddress()

        let firstGate = DispatchSemaphore(value: 0)
        let secondGate = DispatchSemaphore(value: 0)
        let (secondGateReached, reached) = AsyncStream<Void>.makeStream()
        connectionLoop.execute { firstGate.wait() }
        let client = try await RawClient.connect(to: address)
        try await client.call(SlowSeal.method, body: SlowSeal.request(milliseconds: 120_000).bytes, token: token)
        // Two turns of the listener's loop (each handles socket events before tasks): the connection, in the listen
        // queue since connect() returned, is accepted and its first set-up step queued behind the first gate.
        try await listenerLoop.submit {}.get()
        try await listenerLoop.submit {}.get()
        connectionLoop.execute {
            reached.yield()
            secondGate.wait()
        }
        firstGate.signal()
        // The first step has run and handed back to the listener, which now queues the initializer behind the
        // second gate.
        var gateIterator = secondGateReached.makeAsyncIterator()
        _ = await gateIterator.next()
        try await listenerLoop.submit {}.get()

        run.cancel()
        try await run.value
        secondGate.signal()
        // The initializer runs after the server stopped: the connection is closed, not left open for ever.
        let frames = await client.drainUntilClosed()
        #expect(frames.isEmpty)
        reached.finish()
        try await connectionLoops.shutdownGracefully()
        try await listenerLoops.shutdownGracefully()
    }

    @Test("Cancelling run() while connections arrive closes every accepted connection", arguments: 0..<4)
    func cancelWhileConnecting(round: Int) async throws {
        let (server, _) = try Self.makeServer()
        let run = Task { try await server.run() }
        let address = try await server.listeningAddress()
        var clients: [RawClient] = []
        for _ in 0..<32 {
            clients.append(try await RawClient.connect(to: address))
        }
        // Some connections are being served, some are still buffered in the accept stream or being set up.
        run.cancel()
        try await run.value
        for client in clients {
            _ = await client.drainUntilClosed()
        }
    }

    @Test("A run() cancelled before it starts returns without listening")
    func cancelBeforeRun() async throws {
        let (server, _) = try Self.makeServer()
        let run = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await server.run()
        }
        try await run.value
        await #expect(throws: TesseraServerError.self) { try await server.listeningAddress() }
        #expect(!server.isAcceptingCalls)
    }

    @Test("Cancelling run() during a graceful shutdown ends the drain and closes the connections")
    func cancelDuringDrain() async throws {
        let (server, token) = try Self.makeServer(
            configuration: .init(
                host: "127.0.0.1", port: 0, defaultTimeout: .seconds(300), maxTimeout: .seconds(300),
                shutdownGracePeriod: .seconds(120)
            ))
        let run = Task { try await server.run() }
        let client = try await RawClient.connect(to: try await server.listeningAddress())
        try await client.call(SlowSeal.method, body: SlowSeal.request(milliseconds: 120_000).bytes, token: token)
        // Frames are handled in order: once the pong is back, the call is in flight on the server.
        var ping = Tessera_Wire_V1_Frame()
        ping.kind = .ping(Tessera_Wire_V1_Ping())
        try await client.send(ping)
        guard case .pong = try await client.receive()?.kind else {
            Issue.record("expected a pong")
            return
        }
        server.shutdownGracefully()
        guard case .goAway = try await client.receive()?.kind else {
            Issue.record("expected go_away")
            return
        }
        // The drain now waits up to two minutes for the call; cancelling must end it at once.
        let started = ContinuousClock.now
        run.cancel()
        try await run.value
        #expect(ContinuousClock.now - started < .seconds(60), "the drain would have waited two minutes")
        _ = await client.drainUntilClosed()
    }
}
