import NIOCore
import SwiftProtobuf

/// Reads `tessera.wire.v1.Frame`s from a byte stream: a 4-byte big-endian length `N`, then `N` bytes of protobuf.
///
/// The length is checked as soon as its 4 bytes have arrived, before any of the body is buffered: a header that
/// announces 0 bytes or more than ``maximumFrameBytes`` throws at once, so a peer cannot make the receiver wait for,
/// or hold, a body it will refuse (the model is grpc-swift-nio-transport's `GRPCMessageDecoder`). A body that is not
/// a valid `Frame`, a `Frame` with no kind set, a kind not allowed in ``direction``, and a `call` or `reply` with id
/// 0 throw too. Every error is a ``WireError``, and every one of them is fatal to the connection: after it the
/// `ByteToMessageHandler` decodes nothing more.
///
/// Use it as `ByteToMessageHandler(FrameDecoder(direction: .clientToServer))` in a server's pipeline, or drive it
/// directly through its `NIOSingleStepByteToMessageDecoder` conformance.
public struct FrameDecoder: ByteToMessageDecoder, NIOSingleStepByteToMessageDecoder, Sendable {
    /// The decoder produces whole frames.
    public typealias InboundOut = Tessera_Wire_V1_Frame

    /// The size of the length header in bytes.
    public static let headerBytes = 4

    /// The default limit on a frame's size (the `N` of its header): 1 MiB, the server's default `max_frame_bytes`.
    public static let defaultMaximumFrameBytes = 1 << 20

    /// The largest `N` accepted; a larger one is refused from the header alone.
    public let maximumFrameBytes: Int

    /// The direction the frames travel in, which decides the kinds accepted; `nil` accepts every kind.
    public let direction: FrameDirection?

    /// Protobuf decoding options: the default recursion limit of swift-protobuf bounds nesting in hostile input.
    private let decodingOptions = BinaryDecodingOptions()

    /// Creates a frame decoder.
    ///
    /// - Parameters:
    ///   - direction: The direction of the frames read, whose kinds are the only ones accepted: a server reads
    ///     `.clientToServer`, a client `.serverToClient`. `nil` (the default) accepts every kind, for tools.
    ///   - maximumFrameBytes: The largest frame body accepted, in bytes; 1 MiB by default. Values below 1 are
    ///     raised to 1 and values above `UInt32.max` lowered to it, the range a header can express.
    public init(direction: FrameDirection? = nil, maximumFrameBytes: Int = FrameDecoder.defaultMaximumFrameBytes) {
        self.direction = direction
        self.maximumFrameBytes = min(max(maximumFrameBytes, 1), Int(UInt32.max))
    }

    /// Decodes the next frame from `buffer`, or returns `nil` when more bytes are needed.
    ///
    /// On success the frame's bytes are consumed. When more bytes are needed nothing is consumed. The header is
    /// validated as soon as it is complete, whether or not the body has arrived.
    ///
    /// - Parameter buffer: The bytes received and not yet decoded.
    /// - Returns: The next frame, or `nil` when `buffer` does not hold a whole frame yet.
    /// - Throws: ``WireError`` when the bytes break the protocol.
    public mutating func decode(buffer: inout ByteBuffer) throws -> Tessera_Wire_V1_Frame? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, endianness: .big, as: UInt32.self) else {
            return nil
        }
        let bodyBytes = Int(length)
        if bodyBytes == 0 {
            throw WireError(.emptyFrame, "frame of 0 bytes")
        }
        if bodyBytes > self.maximumFrameBytes {
            throw WireError(
                .frameTooLarge,
                "frame of \(bodyBytes) bytes exceeds the limit of \(self.maximumFrameBytes) bytes"
            )
        }
        guard
            let body = buffer.getSlice(at: buffer.readerIndex + Self.headerBytes, length: bodyBytes)
        else {
            return nil
        }
        buffer.moveReaderIndex(forwardBy: Self.headerBytes + bodyBytes)
        return try self.frame(from: body)
    }

    /// Decodes what is left when the stream ends or the decoder is removed.
    ///
    /// - Parameters:
    ///   - buffer: The bytes received and not yet decoded.
    ///   - seenEOF: Whether the peer closed its side of the stream.
    /// - Returns: The next frame, or `nil` when none is left.
    /// - Throws: ``WireError`` when the bytes break the protocol, including ``WireError/Code/truncatedFrame`` when
    ///   the stream ended in the middle of a frame.
    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> Tessera_Wire_V1_Frame? {
        if let frame = try self.decode(buffer: &buffer) {
            return frame
        }
        if seenEOF && buffer.readableBytes > 0 {
            let pending = buffer.readableBytes
            buffer.moveReaderIndex(forwardBy: pending)
            throw WireError(.truncatedFrame, "stream ended after \(pending) bytes of an incomplete frame")
        }
        return nil
    }

    /// Decodes as many frames as `buffer` holds, for `ByteToMessageHandler`.
    ///
    /// - Parameters:
    ///   - context: The handler's context, where frames are fired.
    ///   - buffer: The bytes received and not yet decoded.
    /// - Returns: `.continue` after a frame, `.needMoreData` when `buffer` holds no whole frame.
    /// - Throws: ``WireError`` when the bytes break the protocol.
    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try self.decode(buffer: &buffer) else {
            return .needMoreData
        }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    /// Decodes what is left when the stream ends or the handler is removed, for `ByteToMessageHandler`.
    ///
    /// - Parameters:
    ///   - context: The handler's context, where frames are fired.
    ///   - buffer: The bytes received and not yet decoded.
    ///   - seenEOF: Whether the peer closed its side of the stream.
    /// - Returns: `.continue` after a frame, `.needMoreData` when none is left.
    /// - Throws: ``WireError`` when the bytes break the protocol or end in the middle of a frame.
    public mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws -> DecodingState {
        guard let frame = try self.decodeLast(buffer: &buffer, seenEOF: seenEOF) else {
            return .needMoreData
        }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    /// Parses and validates one frame body.
    private func frame(from body: ByteBuffer) throws -> Tessera_Wire_V1_Frame {
        let frame: Tessera_Wire_V1_Frame
        do {
            frame = try Tessera_Wire_V1_Frame(serializedBytes: body.readableBytesSpan, options: self.decodingOptions)
        } catch {
            // The protobuf error names the defect (truncated, malformed, invalid UTF-8…), never the data.
            throw WireError(.malformedFrame, "frame is not a valid tessera.wire.v1.Frame (\(error))")
        }
        guard let kind = frame.kind else {
            throw WireError(.missingFrameKind, "frame has no kind set, or only one this peer does not know")
        }
        if let direction = self.direction, !direction.permits(kind) {
            throw WireError(.unexpectedFrameKind, "a \(kind.name) frame may not be sent \(direction)")
        }
        switch kind {
        case .call(let call) where call.id == 0:
            throw WireError(.invalidCallID, "call id 0 is reserved")
        case .reply(let reply) where reply.id == 0:
            throw WireError(.invalidCallID, "reply id 0 is reserved")
        default:
            return frame
        }
    }
}
