import NIOCore
import NIOEmbedded
import NIOTestUtils
import TesseraWire
import Testing

@Suite("Frame codec: round trips")
struct FrameCodecRoundTripTests {
    @Test("every kind survives encoder → bytes → decoder in a channel", arguments: SampleFrames.all)
    func roundTripThroughChannel(frame: Tessera_Wire_V1_Frame) throws {
        let channel = EmbeddedChannel(handlers: [
            ByteToMessageHandler(FrameDecoder()), MessageToByteHandler(FrameEncoder()),
        ])
        defer { _ = try? channel.finish() }

        try channel.writeOutbound(frame)
        let bytes = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(
            bytes.getInteger(at: bytes.readerIndex, endianness: .big, as: UInt32.self)
                == UInt32(bytes.readableBytes - FrameDecoder.headerBytes))

        try channel.writeInbound(bytes)
        let decoded = try #require(try channel.readInbound(as: Tessera_Wire_V1_Frame.self))
        #expect(decoded == frame)
        #expect(try channel.readInbound(as: Tessera_Wire_V1_Frame.self) == nil)
    }

    @Test("the length header counts exactly the protobuf bytes")
    func headerCountsBody() throws {
        let frame = SampleFrames.emptyPing
        let buffer = try SampleFrames.encoded([frame])
        // Frame field 4 (ping), length-delimited, empty: 0x22 0x00.
        #expect(Array(buffer.readableBytesView) == [0, 0, 0, 2, 0x22, 0x00])
    }

    @Test("NIOTestUtils verifier: whole, drip-fed byte by byte, and coalesced inputs")
    func verifier() throws {
        let pairs = try SampleFrames.all.map { frame in (try SampleFrames.encoded([frame]), [frame]) }
        // Several frames in one buffer must come out as several frames.
        let batch = [SampleFrames.call, SampleFrames.cancel, SampleFrames.ping]
        let allPairs = pairs + [(try SampleFrames.encoded(batch), batch)]
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: allPairs) {
            FrameDecoder()
        }
    }

    @Test("a frame split at every possible point is decoded once, when its last byte arrives")
    func splitAtEveryPoint() throws {
        let bytes = try SampleFrames.encoded([SampleFrames.call])
        for cut in 1..<bytes.readableBytes {
            let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(direction: .clientToServer)))
            defer { _ = try? channel.finish() }
            let first = try #require(bytes.getSlice(at: bytes.readerIndex, length: cut))
            let second = try #require(bytes.getSlice(at: bytes.readerIndex + cut, length: bytes.readableBytes - cut))
            try channel.writeInbound(first)
            #expect(try channel.readInbound(as: Tessera_Wire_V1_Frame.self) == nil)
            try channel.writeInbound(second)
            #expect(try channel.readInbound(as: Tessera_Wire_V1_Frame.self) == SampleFrames.call)
        }
    }

    @Test("a thousand frames coalesced in one buffer come out in order")
    func manyCoalesced() throws {
        var frames: [Tessera_Wire_V1_Frame] = []
        for id in 1...1_000 {
            var call = Tessera_Wire_V1_Call()
            call.id = UInt64(id)
            call.method = "tessera.v1.Health/Check"
            var frame = Tessera_Wire_V1_Frame()
            frame.kind = .call(call)
            frames.append(frame)
        }
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(direction: .clientToServer)))
        defer { _ = try? channel.finish() }
        try channel.writeInbound(try SampleFrames.encoded(frames))
        for expected in frames {
            #expect(try channel.readInbound(as: Tessera_Wire_V1_Frame.self) == expected)
        }
        #expect(try channel.readInbound(as: Tessera_Wire_V1_Frame.self) == nil)
    }

    @Test("a frame of exactly the limit is accepted")
    func frameAtTheLimit() throws {
        var ping = Tessera_Wire_V1_Ping()
        ping.payload = .init(repeating: 0x5a, count: 1_000)
        var frame = Tessera_Wire_V1_Frame()
        frame.kind = .ping(ping)
        let buffer = try SampleFrames.encoded([frame])
        let size = buffer.readableBytes - FrameDecoder.headerBytes

        var exact = buffer
        var decoder = FrameDecoder(maximumFrameBytes: size)
        #expect(try decoder.decode(buffer: &exact) == frame)
        #expect(exact.readableBytes == 0)

        #expect(throws: WireError(.frameTooLarge, "")) {
            var out = ByteBufferAllocator().buffer(capacity: 0)
            try FrameEncoder(maximumFrameBytes: size - 1).encode(data: frame, out: &out)
        }
    }

    @Test("the encoder refuses a frame with no kind, which would be N = 0")
    func encoderRefusesEmptyFrame() {
        var out = ByteBufferAllocator().buffer(capacity: 0)
        #expect(throws: WireError(.missingFrameKind, "")) {
            try FrameEncoder().encode(data: Tessera_Wire_V1_Frame(), out: &out)
        }
        #expect(out.readableBytes == 0)
    }
}
