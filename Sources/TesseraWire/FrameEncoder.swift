import NIOCore
import SwiftProtobuf

/// Writes `tessera.wire.v1.Frame`s to a byte stream: a 4-byte big-endian length `N`, then `N` bytes of protobuf.
///
/// The encoder refuses, by throwing (which fails the write's promise), a frame the peer would treat as a protocol
/// error: one with no kind set (it would encode to `N = 0`) and one whose body exceeds ``maximumFrameBytes``. A
/// server that has a reply too large for a frame should answer the call with `RESOURCE_EXHAUSTED` instead.
public struct FrameEncoder: MessageToByteEncoder, Sendable {
    /// The encoder consumes whole frames.
    public typealias OutboundIn = Tessera_Wire_V1_Frame

    /// The largest frame body written; a larger frame throws ``WireError/Code/frameTooLarge``.
    public let maximumFrameBytes: Int

    /// Creates a frame encoder.
    ///
    /// - Parameter maximumFrameBytes: The largest frame body written, in bytes; 1 MiB by default, the server's
    ///   default `max_frame_bytes`. Values below 1 are raised to 1 and values above `UInt32.max` lowered to it.
    public init(maximumFrameBytes: Int = FrameDecoder.defaultMaximumFrameBytes) {
        self.maximumFrameBytes = min(max(maximumFrameBytes, 1), Int(UInt32.max))
    }

    /// Appends the length header and the protobuf encoding of `frame` to `out`.
    ///
    /// - Parameters:
    ///   - frame: The frame to write; one of its kinds must be set.
    ///   - out: The buffer the bytes are appended to.
    /// - Throws: ``WireError`` with ``WireError/Code/missingFrameKind`` or ``WireError/Code/frameTooLarge``, or
    ///   the error of swift-protobuf when the frame cannot be serialized (a string that is not valid UTF-8); `out`
    ///   is unchanged then.
    public func encode(data frame: Tessera_Wire_V1_Frame, out: inout ByteBuffer) throws {
        guard frame.kind != nil else {
            throw WireError(.missingFrameKind, "refusing to write a frame with no kind set")
        }
        let body: [UInt8] = try frame.serializedBytes()
        guard body.count <= self.maximumFrameBytes else {
            throw WireError(
                .frameTooLarge,
                "frame of \(body.count) bytes exceeds the limit of \(self.maximumFrameBytes) bytes"
            )
        }
        out.reserveCapacity(minimumWritableBytes: FrameDecoder.headerBytes + body.count)
        out.writeInteger(UInt32(body.count), endianness: .big)
        out.writeBytes(body)
    }
}
