import NIOCore
import NIOPosix
import TesseraWire

/// The floor of the RPC benchmark: an NIO server with the same framing as Tessera (``FrameDecoder`` and
/// ``FrameEncoder``) that answers every call at once with an `OK` reply echoing the call's body, with no
/// authentication, routing, deadlines or logging.
///
/// What Tessera's server costs beyond this is the price of its features; the benchmark reports Tessera beside it.
final class EchoServer: Sendable {
    private let channel: any Channel

    /// The port the server listens on (on 127.0.0.1).
    let port: Int

    private init(channel: any Channel, port: Int) {
        self.channel = channel
        self.port = port
    }

    /// Binds 127.0.0.1 on a port chosen by the system and starts answering.
    ///
    /// - Parameter group: The event loops for the sockets.
    /// - Returns: The running server.
    /// - Throws: The bind error.
    static func start(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> EchoServer {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(ByteToMessageHandler(FrameDecoder(direction: .clientToServer)))
                    try pipeline.addHandler(MessageToByteHandler(FrameEncoder()))
                    try pipeline.addHandler(EchoFrameHandler())
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        guard let port = channel.localAddress?.port else {
            try? await channel.close()
            throw RpcBenchmarkError("the echo server's socket has no port")
        }
        return EchoServer(channel: channel, port: port)
    }

    /// Stops accepting connections (open ones close when their clients close them).
    func stop() async {
        try? await channel.close()
    }
}

/// Answers `call` frames with an `OK` reply carrying the same body, and `ping` with `pong`; ignores the rest.
private final class EchoFrameHandler: ChannelInboundHandler {
    typealias InboundIn = Tessera_Wire_V1_Frame
    typealias OutboundOut = Tessera_Wire_V1_Frame

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = Self.unwrapInboundIn(data)
        var answer = Tessera_Wire_V1_Frame()
        switch frame.kind {
        case .call(let call)?:
            var reply = Tessera_Wire_V1_Reply()
            reply.id = call.id
            reply.status = Tessera_Wire_V1_Status(.ok)
            reply.body = call.body
            answer.kind = .reply(reply)
        case .ping(let ping)?:
            var pong = Tessera_Wire_V1_Pong()
            pong.payload = ping.payload
            answer.kind = .pong(pong)
        default:
            return
        }
        context.write(Self.wrapOutboundOut(answer), promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }
}
