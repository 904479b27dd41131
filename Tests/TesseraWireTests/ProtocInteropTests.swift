import Foundation
import NIOCore
import TesseraTestSupport
import TesseraWire
import Testing

/// Checks the Swift encoding against protoc, the reference (C++) protobuf implementation that other languages'
/// clients agree with: protoc must read every frame kind the Swift encoder writes, and Swift must read protoc's
/// re-encoding of it back to the same frame.
@Suite("Interop with protoc")
struct ProtocInteropTests {
    static let protoRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // TesseraWireTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .appendingPathComponent("proto")

    /// protoc from Debian's protobuf-compiler, which the project's machines install.
    static let protoc = ["/usr/bin/protoc", "/usr/local/bin/protoc"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Runs protoc with `arguments`, feeding `input` on stdin, and returns its stdout.
    static func runProtoc(_ arguments: [String], input: Data) async throws -> Data {
        let outcome = try await ChildProcess.run(
            try #require(Self.protoc),
            ["--proto_path=\(Self.protoRoot.path)"] + arguments + ["tessera/wire/v1/frame.proto"],
            standardInput: input
        )
        #expect(outcome.status == 0, "protoc \(arguments) failed: \(outcome.standardError)")
        return outcome.standardOutputData
    }

    @Test(
        "protoc decodes what Swift encodes, and Swift decodes protoc's re-encoding",
        .enabled(if: protoc != nil, "protoc is not installed (apt-get install protobuf-compiler)"),
        arguments: SampleFrames.all
    )
    func roundTripThroughProtoc(frame: Tessera_Wire_V1_Frame) async throws {
        var encoded = try SampleFrames.encoded([frame])
        encoded.moveReaderIndex(forwardBy: FrameDecoder.headerBytes)
        let swiftBytes = Data(encoded.readableBytesView)

        let text = try await Self.runProtoc(["--decode=tessera.wire.v1.Frame"], input: swiftBytes)
        #expect(!text.isEmpty)
        let protocBytes = try await Self.runProtoc(["--encode=tessera.wire.v1.Frame"], input: text)

        var framed = ByteBufferAllocator().buffer(capacity: protocBytes.count + FrameDecoder.headerBytes)
        framed.writeInteger(UInt32(protocBytes.count), endianness: .big)
        framed.writeBytes(protocBytes)
        var decoder = FrameDecoder()
        #expect(try decoder.decode(buffer: &framed) == frame)
    }
}
