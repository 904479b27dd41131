import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import SwiftProtobuf
import Synchronization
import TesseraWire

/// A small Tessera server for the client's tests, on 127.0.0.1 with an ephemeral port, speaking the real framing
/// with the real codec. What it answers to each call is decided by a ``Behaviour`` closure; see
/// ``FakeConnectionHandler`` for how it honours the contract.
final class FakeServer: Sendable {
    /// What the server does with one call.
    enum Action: Sendable {
        /// Answer with this status (and body when OK), after a delay.
        case reply(StatusCode, message: String, body: Data, after: Duration)
        /// Never answer, until the client cancels (then `CANCELLED`) or the connection closes.
        case hold
        /// Answer `OK` with this body when the server sends `go_away`, if the call is up to `last_call_id`.
        case holdUntilGoAway(Data)
        /// Close the connection at once, without answering.
        case closeConnection
        /// Answer with a reply whose id was never sent: a protocol violation.
        case replyUnknownID

        /// `OK` with a response message, optionally after a delay.
        static func ok(_ response: some SwiftProtobuf.Message, after delay: Duration = .zero) -> Action {
            .reply(.ok, message: "", body: (try? response.serializedData()) ?? Data(), after: delay)
        }

        /// A failed status.
        static func fail(_ code: StatusCode, _ message: String, after delay: Duration = .zero) -> Action {
            .reply(code, message: message, body: Data(), after: delay)
        }
    }

    /// Decides the action for a call, given the index of its connection (0 for the first accepted).
    typealias Behaviour = @Sendable (Tessera_Wire_V1_Call, Int) -> Action

    let port: Int
    let log: FakeServerLog
    private let channel: any Channel
    private let handlers: HandlerRegistry

    private init(channel: any Channel, log: FakeServerLog, handlers: HandlerRegistry) throws {
        self.channel = channel
        self.log = log
        guard let port = channel.localAddress?.port else {
            throw FakeServerTimeout(what: "a bound port")
        }
        self.port = port
        self.handlers = handlers
    }

    /// Starts a server.
    ///
    /// - Parameters:
    ///   - tls: A server TLS context, or `nil` for plain TCP.
    ///   - behaviour: What to answer to each call.
    static func start(tls: NIOSSLContext? = nil, behaviour: @escaping Behaviour) async throws -> FakeServer {
        let log = FakeServerLog()
        let registry = HandlerRegistry()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let index = log.connectionOpened()
                    channel.closeFuture.whenComplete { _ in log.connectionClosed() }
                    let pipeline = channel.pipeline.syncOperations
                    if let tls {
                        try pipeline.addHandler(NIOSSLServerHandler(context: tls))
                    }
                    try pipeline.addHandler(ByteToMessageHandler(FrameDecoder(direction: .clientToServer)))
                    try pipeline.addHandler(MessageToByteHandler(FrameEncoder()))
                    let handler = FakeConnectionHandler(index: index, log: log, behaviour: behaviour)
                    try pipeline.addHandler(handler)
                    registry.add(NIOLoopBound(handler, eventLoop: channel.eventLoop))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return try FakeServer(channel: channel, log: log, handlers: registry)
    }

    /// Sends `go_away` on every connection.
    ///
    /// - Parameters:
    ///   - lastCallID: The `last_call_id` to announce; the last id received on each connection when `nil`.
    ///   - reason: The reason.
    func goAway(lastCallID: UInt64? = nil, reason: String = "server shutting down") {
        self.onEveryConnection { $0.goAway(lastCallID: lastCallID, reason: reason) }
    }

    /// Sends a `ping` on every connection.
    func ping(_ payload: Data) {
        self.onEveryConnection { $0.ping(payload) }
    }

    /// Closes every connection at once.
    func dropConnections() {
        self.onEveryConnection { $0.close() }
    }

    /// Stops listening and closes every connection.
    func stop() async {
        self.dropConnections()
        try? await self.channel.close()
    }

    private func onEveryConnection(_ body: @escaping @Sendable (FakeConnectionHandler) -> Void) {
        for handler in self.handlers.all {
            handler.eventLoop.execute {
                body(handler.value)
            }
        }
    }
}

/// Collects the connection handlers from the child channel initializer.
private final class HandlerRegistry: Sendable {
    private let handlers = Mutex<[NIOLoopBound<FakeConnectionHandler>]>([])

    var all: [NIOLoopBound<FakeConnectionHandler>] { self.handlers.withLock { $0 } }

    func add(_ handler: NIOLoopBound<FakeConnectionHandler>) {
        self.handlers.withLock { $0.append(handler) }
    }
}
