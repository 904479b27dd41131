import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization
import TesseraWire

/// One multiplexed connection to the server: many calls in flight at once, each with an id from a counter that
/// starts at 1.
///
/// The connection is a thin, thread-safe front of its pipeline's ``ClientCallHandler``, which it reaches by hopping
/// to the channel's event loop.
final class ClientConnection: Sendable {
    /// The channel; closing it fails the calls still waiting.
    let channel: any Channel
    private let handler: NIOLoopBound<ClientCallHandler>
    private let flags: ConnectionFlags
    private let nextID = Atomic<UInt64>(1)
    private let callsInFlight = Atomic<Int>(0)
    /// Whether a reply has shown that a call on this connection passed authentication: until then the server takes
    /// only small frames (see ``unauthenticatedFrameLimit``).
    private let hasAuthenticated = Atomic<Bool>(false)

    /// The largest frame a server takes, by default, before a call on the connection has been authenticated
    /// (`unauthenticated_max_frame_bytes` in `proto/README.md`). A larger first call is preceded by a small
    /// `Health/Check` carrying the same credential.
    static let unauthenticatedFrameLimit = 16 << 10

    private init(channel: any Channel, handler: NIOLoopBound<ClientCallHandler>, flags: ConnectionFlags) {
        self.channel = channel
        self.handler = handler
        self.flags = flags
    }

    /// Whether new calls may go on this connection.
    var isAcceptingCalls: Bool { self.flags.isAcceptingCalls }

    /// Whether the connection has closed.
    var isClosed: Bool { self.flags.isClosed }

    /// How many calls this client is waiting for on the connection, to pick the least loaded one.
    var load: Int { self.callsInFlight.load(ordering: .relaxed) }

    /// Opens a connection and waits until it can carry calls (with TLS, until the handshake is done).
    ///
    /// - Returns: A future of the connection, failed with ``TesseraClientError/Code-swift.struct/connectionFailed``.
    static func connect(
        host: String,
        port: Int,
        tls: (context: NIOSSLContext, serverHostname: String?)?,
        connectTimeout: TimeAmount,
        maxFrameBytes: Int,
        group: any EventLoopGroup
    ) -> EventLoopFuture<ClientConnection> {
        let flags = ConnectionFlags()
        let eventLoop = group.next()
        let address = "\(host):\(port)"
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls {
                        try pipeline.addHandler(
                            NIOSSLClientHandler(context: tls.context, serverHostname: tls.serverHostname))
                    }
                    try pipeline.addHandler(
                        ByteToMessageHandler(FrameDecoder(direction: .serverToClient, maximumFrameBytes: maxFrameBytes))
                    )
                    try pipeline.addHandler(MessageToByteHandler(FrameEncoder(maximumFrameBytes: maxFrameBytes)))
                    try pipeline.addHandler(
                        ClientCallHandler(flags: flags, usesTLS: tls != nil, eventLoop: channel.eventLoop)
                    )
                }
            }
        return bootstrap.connect(host: host, port: port).flatMap { channel in
            let handler: ClientCallHandler
            do {
                handler = try channel.pipeline.syncOperations.handler(type: ClientCallHandler.self)
            } catch {
                channel.close(promise: nil)
                return channel.eventLoop.makeFailedFuture(error)
            }
            // The handshake, if any, must finish within the connect timeout too.
            let handshakeTimer = channel.eventLoop.scheduleTask(in: connectTimeout) {
                channel.close(promise: nil)
            }
            let loopBound = NIOLoopBound(handler, eventLoop: channel.eventLoop)
            return handler.ready.map {
                handshakeTimer.cancel()
                return ClientConnection(channel: channel, handler: loopBound, flags: flags)
            }.flatMapErrorThrowing { error in
                handshakeTimer.cancel()
                channel.close(promise: nil)
                throw error
            }
        }.flatMapErrorThrowing { error in
            throw TesseraClientError(
                .connectionFailed, "could not connect to \(address): \(Self.reason(error))", method: nil,
                wasNotSent: true
            )
        }
    }

    /// A short reason for a failed connection: NIO's multi-address error reduced to its first socket error.
    private static func reason(_ error: any Error) -> String {
        if let connectionError = error as? NIOConnectionError {
            if let first = connectionError.connectionErrors.first {
                return "\(first.error)"
            }
            if let dnsError = connectionError.dnsAError ?? connectionError.dnsAAAAError {
                return "name resolution failed (\(dnsError))"
            }
        }
        return "\(error)"
    }

    /// Sends one call and waits for its reply.
    ///
    /// - Parameters:
    ///   - call: The call, whose id is set here.
    ///   - timeout: The local deadline, also sent as `timeout_ms`.
    /// - Returns: The server's reply, whatever its status.
    /// - Throws: ``TesseraClientError`` when no reply is to be had.
    func send(_ call: Tessera_Wire_V1_Call, timeout: TimeAmount) async throws -> Tessera_Wire_V1_Reply {
        if !self.hasAuthenticated.load(ordering: .relaxed), call.method != MethodCatalog.healthCheck.name,
            Self.frameBytes(of: call) > Self.unauthenticatedFrameLimit
        {
            // The server would refuse the frame from its header (and close the connection): authenticate first.
            var probe = Tessera_Wire_V1_Call()
            probe.method = MethodCatalog.healthCheck.name
            probe.metadata = call.metadata
            _ = try await self.exchange(probe, timeout: timeout)
        }
        return try await self.exchange(call, timeout: timeout)
    }

    /// The encoded size of a call's frame, with room for its id and timeout.
    private static func frameBytes(of call: Tessera_Wire_V1_Call) -> Int {
        let frame = Tessera_Wire_V1_Frame.with { $0.kind = .call(call) }
        return ((try? frame.serializedBytes() as [UInt8])?.count ?? Int.max) + 16
    }

    /// Sends one call as it is and waits for its reply, noting whether it shows the connection authenticated.
    private func exchange(_ call: Tessera_Wire_V1_Call, timeout: TimeAmount) async throws -> Tessera_Wire_V1_Reply {
        let reply = try await self.transmit(call, timeout: timeout)
        switch reply.status.statusCode {
        case .unauthenticated, .invalidArgument, .resourceExhausted, .unavailable:
            // Refusals that can come before authentication.
            break
        default:
            self.hasAuthenticated.store(true, ordering: .relaxed)
        }
        return reply
    }

    private func transmit(_ call: Tessera_Wire_V1_Call, timeout: TimeAmount) async throws -> Tessera_Wire_V1_Reply {
        let id = self.nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        var call = call
        call.id = id
        call.timeoutMs = UInt32(clamping: max(1, (timeout.nanoseconds + 999_999) / 1_000_000))
        let frame = Tessera_Wire_V1_Frame.with { $0.kind = .call(call) }
        self.callsInFlight.wrappingAdd(1, ordering: .relaxed)
        defer { self.callsInFlight.wrappingSubtract(1, ordering: .relaxed) }
        let handler = self.handler
        let eventLoop = self.channel.eventLoop
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: ClientCallHandler.Continuation) in
                eventLoop.execute {
                    handler.value.start(frame, id: id, timeout: timeout, continuation: continuation)
                }
            }
        } onCancel: {
            eventLoop.execute {
                handler.value.cancel(id)
            }
        }
    }

    /// Closes the connection; calls still waiting fail with `error`.
    func close(failingCallsWith error: TesseraClientError) -> EventLoopFuture<Void> {
        let handler = self.handler
        self.channel.eventLoop.execute {
            handler.value.close(failingCallsWith: error)
        }
        return self.channel.closeFuture
    }
}
