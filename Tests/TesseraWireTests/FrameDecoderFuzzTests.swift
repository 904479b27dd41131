import Foundation
import NIOCore
import TesseraWire
import Testing

/// A bounded randomised test of the frame decoder: random and mutated inputs, fed in random pieces, must only ever
/// produce frames or ``WireError``s, never crash, hang, or consume bytes it did not decode.
@Suite("Frame decoder: randomised inputs")
struct FrameDecoderFuzzTests {
    /// SplitMix64: a small deterministic generator, so a failure can be replayed from its seed.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64

        mutating func next() -> UInt64 {
            self.state &+= 0x9E37_79B9_7F4A_7C15
            var z = self.state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// What decoding one input gave.
    struct Outcome {
        var frames: [Tessera_Wire_V1_Frame] = []
        var error: WireError?
    }

    static let iterations = 20_000
    static let maximumFrameBytes = 4_096

    /// Feeds `input` to a fresh decoder in random pieces, as a connection would, until EOF.
    static func decode(_ input: [UInt8], using rng: inout SplitMix64) throws -> Outcome {
        var decoder = FrameDecoder(direction: .clientToServer, maximumFrameBytes: Self.maximumFrameBytes)
        var outcome = Outcome()
        var buffer = ByteBufferAllocator().buffer(capacity: input.count)
        var offset = 0
        do {
            while offset < input.count {
                let piece = Int.random(in: 1...max(1, input.count - offset), using: &rng)
                buffer.writeBytes(input[offset..<(offset + piece)])
                offset += piece
                while let frame = try decoder.decode(buffer: &buffer) {
                    outcome.frames.append(frame)
                }
            }
            while let frame = try decoder.decodeLast(buffer: &buffer, seenEOF: true) {
                outcome.frames.append(frame)
            }
            #expect(buffer.readableBytes == 0, "bytes left over after a clean EOF")
        } catch let error as WireError {
            outcome.error = error
        }
        return outcome
    }

    /// A valid stream of 1 to 4 client frames with random contents.
    static func validStream(using rng: inout SplitMix64) throws -> [UInt8] {
        var frames: [Tessera_Wire_V1_Frame] = []
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            var frame = Tessera_Wire_V1_Frame()
            switch Int.random(in: 0..<4, using: &rng) {
            case 0:
                var call = Tessera_Wire_V1_Call()
                call.id = UInt64.random(in: 1...UInt64.max, using: &rng)
                call.method = ["tessera.v1.Health/Check", "tessera.v1.Passwords/Hash", "x"][Int(rng.next() % 3)]
                call.metadata = ["authorization": "Bearer \(rng.next())"]
                call.timeoutMs = UInt32.random(in: 0...UInt32.max, using: &rng)
                call.body = Data(
                    (0..<Int.random(in: 0...200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
                frame.kind = .call(call)
            case 1:
                var cancel = Tessera_Wire_V1_Cancel()
                cancel.id = rng.next()
                frame.kind = .cancel(cancel)
            case 2:
                var ping = Tessera_Wire_V1_Ping()
                ping.payload = Data(
                    (0..<Int.random(in: 0...16, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
                frame.kind = .ping(ping)
            default:
                frame.kind = .pong(Tessera_Wire_V1_Pong())
            }
            frames.append(frame)
        }
        return Array(try SampleFrames.encoded(frames).readableBytesView)
    }

    /// A random input: pure noise, noise behind a plausible header, or a valid stream with a few mutations.
    static func input(using rng: inout SplitMix64) throws -> (bytes: [UInt8], mutated: Bool) {
        switch Int.random(in: 0..<4, using: &rng) {
        case 0:
            return ((0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }, true)
        case 1:
            let length = Int.random(in: 0...80, using: &rng)
            var bytes: [UInt8] = [0, 0, 0, UInt8(length)]
            bytes += (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            return (bytes, true)
        default:
            var bytes = try Self.validStream(using: &rng)
            let mutations = Int.random(in: 0...3, using: &rng)
            for _ in 0..<mutations where !bytes.isEmpty {
                let index = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: bytes[index] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes[index] ^= 1 << UInt8.random(in: 0...7, using: &rng)
                case 2: bytes.removeSubrange(index...)
                default: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: index)
                }
            }
            return (bytes, mutations > 0)
        }
    }

    @Test("20 000 random and mutated inputs yield only frames or typed errors")
    func randomisedInputs() throws {
        // A fresh seed each run widens coverage over time; TESSERA_FUZZ_SEED replays a failure.
        let seed =
            ProcessInfo.processInfo.environment["TESSERA_FUZZ_SEED"].flatMap { UInt64($0) }
            ?? UInt64.random(in: 0...UInt64.max)
        var rng = SplitMix64(state: seed)
        var framesSeen = 0
        var errorsSeen: [WireError.Code: Int] = [:]
        let clock = ContinuousClock()
        let started = clock.now
        for iteration in 0..<Self.iterations {
            let (bytes, mutated) = try Self.input(using: &rng)
            let outcome: Outcome
            do {
                outcome = try Self.decode(bytes, using: &rng)
            } catch {
                Issue.record("seed \(seed), iteration \(iteration): untyped error \(error)")
                continue
            }
            framesSeen += outcome.frames.count
            if let error = outcome.error {
                errorsSeen[error.code, default: 0] += 1
                #expect(mutated, "seed \(seed), iteration \(iteration): valid stream refused: \(error)")
            }
            // Whatever was decoded re-encodes to a frame the decoder accepts again.
            for frame in outcome.frames {
                var again = try SampleFrames.encoded([frame])
                var decoder = FrameDecoder(direction: .clientToServer, maximumFrameBytes: Self.maximumFrameBytes)
                #expect(try decoder.decode(buffer: &again) == frame)
            }
        }
        let elapsed = clock.now - started
        // The mix must really exercise both paths, or the test proves nothing.
        #expect(framesSeen > Self.iterations / 4)
        #expect(errorsSeen.count >= 4, "error codes seen: \(errorsSeen)")
        #expect(elapsed < .seconds(60), "took \(elapsed)")
    }
}
