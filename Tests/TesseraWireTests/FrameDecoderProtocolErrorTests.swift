import Foundation
import NIOCore
import NIOEmbedded
import SwiftProtobuf
import TesseraWire
import Testing

@Suite("Frame decoder: protocol errors")
struct FrameDecoderProtocolErrorTests {
    static let maliciousLengths: [(UInt32, WireError.Code)] = [
        (0, .emptyFrame),
        (UInt32(FrameDecoder.defaultMaximumFrameBytes + 1), .frameTooLarge),
        (UInt32.max, .frameTooLarge),
        (UInt32(Int32.max) + 1, .frameTooLarge),
    ]

    @Test("a bad length is refused from the 4 header bytes alone", arguments: maliciousLengths)
    func refusedFromHeaderAlone(length: UInt32, code: WireError.Code) throws {
        // Only the header is fed: if the decoder waited for the body, no error would come.
        var header = SampleFrames.header(length)
        var decoder = FrameDecoder()
        let error = try #require(throws: WireError.self) { try decoder.decode(buffer: &header) }
        #expect(error.code == code)
        #expect(!error.message.isEmpty)

        // The same through a channel: the error surfaces from the write of the header alone.
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(direction: .clientToServer)))
        defer { _ = try? channel.finish() }
        let channelError = try #require(throws: WireError.self) {
            try channel.writeInbound(SampleFrames.header(length))
        }
        #expect(channelError.code == code)
    }

    @Test("an oversized header is refused before its body even when it arrives byte by byte")
    func dripFedOversizedHeader() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(maximumFrameBytes: 64)))
        defer { _ = try? channel.finish() }
        let header = SampleFrames.header(65)
        for index in 0..<3 {
            try channel.writeInbound(try #require(header.getSlice(at: index, length: 1)))
        }
        #expect(throws: WireError(.frameTooLarge, "")) {
            try channel.writeInbound(try #require(header.getSlice(at: 3, length: 1)))
        }
    }

    @Test("the reason names the sizes, so a go_away can carry it")
    func reasonNamesSizes() throws {
        var header = SampleFrames.header(2_000_000)
        var decoder = FrameDecoder()
        let error = try #require(throws: WireError.self) { try decoder.decode(buffer: &header) }
        #expect(error.message == "frame of 2000000 bytes exceeds the limit of 1048576 bytes")

        let goAway = error.goAwayFrame(lastCallID: 12)
        guard case .goAway(let body) = goAway.kind else {
            Issue.record("expected a go_away frame, got \(String(describing: goAway.kind))")
            return
        }
        #expect(body.reason == error.message)
        #expect(body.lastCallID == 12)
        // The go_away itself must be writable by the encoder.
        _ = try SampleFrames.encoded([goAway])
    }

    static let garbageBodies: [[UInt8]] = [
        [0xff],  // a lone tag byte with a reserved wire type
        [0x0a, 0x10, 0x08],  // call announcing 16 bytes, holding 1: truncated
        [0x0a],  // a tag with no length
        [0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],  // an 11-byte varint
        [0x0a, 0x03, 0x12, 0x01, 0xc3],  // call.method with invalid UTF-8
        [0x07],  // field 0
        Array(repeating: 0xff, count: 64),
    ]

    @Test("bytes that are not a Frame are refused as malformedFrame", arguments: garbageBodies)
    func garbageProtobuf(body: [UInt8]) throws {
        var buffer = SampleFrames.header(UInt32(body.count))
        buffer.writeBytes(body)
        var decoder = FrameDecoder()
        let error = try #require(throws: WireError.self) { try decoder.decode(buffer: &buffer) }
        #expect(error.code == .malformedFrame)
    }

    @Test("a frame with no kind, or only an unknown field, is refused as missingFrameKind")
    func missingKind() throws {
        // Field 15, varint 1: what a future kind would look like to this version.
        for body: [UInt8] in [[0x78, 0x01], [0x3a, 0x00]] {
            var buffer = SampleFrames.header(UInt32(body.count))
            buffer.writeBytes(body)
            var decoder = FrameDecoder()
            #expect(throws: WireError(.missingFrameKind, "")) { try decoder.decode(buffer: &buffer) }
        }
    }

    @Test(
        "kinds the sender may not send are refused",
        arguments: [
            (FrameDirection.clientToServer, SampleFrames.reply),
            (FrameDirection.clientToServer, SampleFrames.goAway),
            (FrameDirection.serverToClient, SampleFrames.call),
            (FrameDirection.serverToClient, SampleFrames.cancel),
        ]
    )
    func wrongDirection(direction: FrameDirection, frame: Tessera_Wire_V1_Frame) throws {
        var buffer = try SampleFrames.encoded([frame])
        var decoder = FrameDecoder(direction: direction)
        #expect(throws: WireError(.unexpectedFrameKind, "")) { try decoder.decode(buffer: &buffer) }
    }

    @Test("kinds the sender may send are accepted", arguments: [FrameDirection.clientToServer, .serverToClient])
    func rightDirection(direction: FrameDirection) throws {
        let frames = SampleFrames.all.filter { frame in frame.kind.map(direction.permits) ?? false }
        #expect(frames.count >= 4)
        var buffer = try SampleFrames.encoded(frames)
        var decoder = FrameDecoder(direction: direction)
        for frame in frames {
            #expect(try decoder.decode(buffer: &buffer) == frame)
        }
    }

    @Test("a call or reply with id 0 is refused")
    func callIDZero() throws {
        var call = Tessera_Wire_V1_Frame()
        call.kind = .call(Tessera_Wire_V1_Call())
        var reply = Tessera_Wire_V1_Frame()
        reply.kind = .reply(Tessera_Wire_V1_Reply())
        for frame in [call, reply] {
            var buffer = try SampleFrames.encoded([frame])
            var decoder = FrameDecoder()
            #expect(throws: WireError(.invalidCallID, "")) { try decoder.decode(buffer: &buffer) }
        }
    }

    @Test("a stream that ends inside a frame is a truncatedFrame at EOF; a clean end is not an error")
    func truncatedAtEOF() throws {
        let bytes = try SampleFrames.encoded([SampleFrames.ping])
        var partial = try #require(bytes.getSlice(at: 0, length: bytes.readableBytes - 1))
        var decoder = FrameDecoder()
        #expect(try decoder.decode(buffer: &partial) == nil)
        #expect(throws: WireError(.truncatedFrame, "")) { try decoder.decodeLast(buffer: &partial, seenEOF: true) }

        var empty = ByteBufferAllocator().buffer(capacity: 0)
        #expect(try decoder.decodeLast(buffer: &empty, seenEOF: true) == nil)
    }

    @Test("after a protocol error the handler decodes nothing more, even valid frames")
    func nothingAfterError() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder()))
        defer { _ = try? channel.finish() }
        #expect(throws: WireError(.emptyFrame, "")) { try channel.writeInbound(SampleFrames.header(0)) }
        #expect(throws: (any Error).self) { try channel.writeInbound(try SampleFrames.encoded([SampleFrames.ping])) }
        #expect(try channel.readInbound(as: Tessera_Wire_V1_Frame.self) == nil)
    }

    @Test("frames decoded before a bad one in the same buffer are still delivered")
    func framesBeforeError() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder()))
        defer { _ = try? channel.finish() }
        var buffer = try SampleFrames.encoded([SampleFrames.ping, SampleFrames.pong])
        buffer.writeInteger(UInt32.max, endianness: .big)
        #expect(throws: WireError(.frameTooLarge, "")) { try channel.writeInbound(buffer) }
        #expect(try channel.readInbound(as: Tessera_Wire_V1_Frame.self) == SampleFrames.ping)
        #expect(try channel.readInbound(as: Tessera_Wire_V1_Frame.self) == SampleFrames.pong)
    }

    @Test("errors are equal by code and their description carries code and reason")
    func errorSemantics() {
        let a = WireError(.frameTooLarge, "one")
        let b = WireError(.frameTooLarge, "two")
        #expect(a == b)
        #expect(a != WireError(.emptyFrame, "one"))
        #expect(a.description == "WireError.frameTooLarge: one")
    }
}
