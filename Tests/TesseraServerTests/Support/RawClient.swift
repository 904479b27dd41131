import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import TesseraWire

/// A deliberately small client for the tests: it speaks the frame codec over a real socket and can also send
/// arbitrary bytes, since the real client library is written elsewhere and must not be trusted by these tests.
///
/// Used from one test task at a time; frames read are buffered in an `AsyncThrowingStream`.
final class RawClient {
    let channel: any Channel
    private var frames: AsyncThrowingStream<Tessera_Wire_V1_Frame, any Error>.Iterator
    private var nextID: UInt64 = 1

    private init(channel: any Channel, frames: AsyncThrowingStream<Tessera_Wire_V1_Frame, any Error>) {
        self.channel = channel
        self.frames = frames.makeAsyncIterator()
    }

    /// Connects to the server, optionally over TLS; with `autoRead` false the client reads nothing from the
    /// socket until ``startReading()``, like a client that does not read its replies.
    static func connect(
        to address: SocketAddress,
        tls: NIOSSLContext? = nil,
        autoRead: Bool = true
    ) async throws -> RawClient {
        let (stream, continuation) = AsyncThrowingStream<Tessera_Wire_V1_Frame, any Error>.makeStream()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.autoRead, value: autoRead)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls {
                        try pipeline.addHandler(NIOSSLClientHandler(context: tls, serverHostname: "localhost"))
                    }
                    try pipeline.addHandler(
                        ByteToMessageHandler(FrameDecoder(direction: .serverToClient, maximumFrameBytes: 1 << 24))
                    )
                    try pipeline.addHandler(FrameCollector(continuation: continuation))
                }
            }
            .connect(to: address)
            .get()
        return RawClient(channel: channel, frames: stream)
    }

    /// Starts reading from the socket (after connecting with `autoRead` false).
    func startReading() async throws {
        try await channel.setOption(.autoRead, value: true).get()
    }

    /// A fresh call id.
    func makeID() -> UInt64 {
        defer { nextID += 1 }
        return nextID
    }

    /// Sends one frame.
    func send(_ frame: Tessera_Wire_V1_Frame) async throws {
        var buffer = channel.allocator.buffer(capacity: 64)
        try FrameEncoder(maximumFrameBytes: 1 << 24).encode(data: frame, out: &buffer)
        try await channel.writeAndFlush(buffer)
    }

    /// Sends raw bytes, framing or not.
    func sendRaw(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(channel.allocator.buffer(bytes: bytes))
    }

    /// Sends a call and returns its id.
    @discardableResult
    func call(
        _ method: String,
        body: some SwiftProtobufMessageBytes = Data(),
        token: String?,
        timeoutMilliseconds: UInt32 = 0,
        id: UInt64? = nil
    ) async throws -> UInt64 {
        let id = id ?? makeID()
        var call = Tessera_Wire_V1_Call()
        call.id = id
        call.method = method
        call.body = body.bytes
        call.timeoutMs = timeoutMilliseconds
        if let token {
            call.metadata["authorization"] = "Bearer \(token)"
        }
        var frame = Tessera_Wire_V1_Frame()
        frame.kind = .call(call)
        try await send(frame)
        return id
    }

    /// Sends a cancel.
    func cancel(_ id: UInt64) async throws {
        var cancel = Tessera_Wire_V1_Cancel()
        cancel.id = id
        var frame = Tessera_Wire_V1_Frame()
        frame.kind = .cancel(cancel)
        try await send(frame)
    }

    /// The next frame, or `nil` when the server closed the connection.
    func receive() async throws -> Tessera_Wire_V1_Frame? {
        try await frames.next(isolation: nil)
    }

    /// The next frame, which must be a reply.
    func receiveReply() async throws -> Tessera_Wire_V1_Reply {
        guard let frame = try await receive() else { throw RawClientError("connection closed") }
        guard case .reply(let reply) = frame.kind else { throw RawClientError("expected a reply, got \(frame)") }
        return reply
    }

    /// Sends a call and waits for its reply (no other calls may be in flight).
    func unary(
        _ method: String, body: some SwiftProtobufMessageBytes = Data(), token: String?, timeoutMilliseconds: UInt32 = 0
    )
        async throws -> Tessera_Wire_V1_Reply
    {
        let id = try await call(method, body: body, token: token, timeoutMilliseconds: timeoutMilliseconds)
        let reply = try await receiveReply()
        guard reply.id == id else { throw RawClientError("reply for \(reply.id), expected \(id)") }
        return reply
    }

    /// Reads frames until the connection closes, returning them.
    func drainUntilClosed() async -> [Tessera_Wire_V1_Frame] {
        var seen: [Tessera_Wire_V1_Frame] = []
        while let frame = try? await receive() {
            seen.append(frame)
        }
        return seen
    }

    /// Closes the connection.
    func close() async {
        try? await channel.close()
    }
}

/// A request body: raw bytes or a protobuf message.
protocol SwiftProtobufMessageBytes {
    var bytes: Data { get }
}

extension Data: SwiftProtobufMessageBytes {
    var bytes: Data { self }
}

/// Something went wrong in the test client.
struct RawClientError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Forwards decoded frames into a stream and ends it when the channel closes.
private final class FrameCollector: ChannelInboundHandler, Sendable {
    typealias InboundIn = Tessera_Wire_V1_Frame

    let continuation: AsyncThrowingStream<Tessera_Wire_V1_Frame, any Error>.Continuation

    init(continuation: AsyncThrowingStream<Tessera_Wire_V1_Frame, any Error>.Continuation) {
        self.continuation = continuation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        continuation.yield(Self.unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        continuation.finish(throwing: error)
        context.close(promise: nil)
    }
}
