import Foundation
import NIOCore
import SwiftProtobuf
import TesseraWire
import Testing

/// Keeps the worked example of `proto/README.md` true: its hex blocks must be exactly what the codec reads and
/// writes for the frames the README describes.
@Suite("proto/README.md worked example")
struct ReadmeExampleTests {
    /// The hex block that follows `<!-- wire-example: NAME -->` in proto/README.md, as bytes.
    static func example(_ name: String) throws -> ByteBuffer {
        let readme = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // TesseraWireTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // package root
            .appendingPathComponent("proto/README.md")
        let lines = try String(contentsOf: readme, encoding: .utf8).split(
            separator: "\n", omittingEmptySubsequences: false)
        let marker = try #require(lines.firstIndex(of: "<!-- wire-example: \(name) -->"), "no example \(name)")
        #expect(lines[marker + 1] == "```hex")
        var bytes: [UInt8] = []
        for line in lines[(marker + 2)...] {
            if line == "```" {
                break
            }
            for token in line.split(separator: " ") {
                bytes.append(try #require(UInt8(token, radix: 16), "bad hex \(token)"))
            }
        }
        var buffer = ByteBufferAllocator().buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        return buffer
    }

    /// The call the README describes.
    static var call: Tessera_Wire_V1_Frame {
        var call = Tessera_Wire_V1_Call()
        call.id = 1
        call.method = "tessera.v1.Health/Check"
        call.metadata = ["authorization": "Bearer tsr_example"]
        call.timeoutMs = 500
        call.body = Data()  // a HealthCheckRequest, which has no fields
        var frame = Tessera_Wire_V1_Frame()
        frame.kind = .call(call)
        return frame
    }

    /// The response body the README describes.
    static var health: Tessera_V1_HealthCheckResponse {
        var keyring = Tessera_V1_ComponentHealth()
        keyring.name = "keyring"
        keyring.status = .serving
        var response = Tessera_V1_HealthCheckResponse()
        response.status = .serving
        response.components = [keyring]
        return response
    }

    @Test("the call's bytes decode to the described call, and encoding it gives the same bytes")
    func callExample() throws {
        var bytes = try Self.example("call")
        #expect(bytes.readableBytes == 73)
        #expect(try SampleFrames.encoded([Self.call]) == bytes)
        var decoder = FrameDecoder(direction: .clientToServer)
        #expect(try decoder.decode(buffer: &bytes) == Self.call)
        #expect(bytes.readableBytes == 0)
    }

    @Test("the reply's bytes decode to the described reply, and encoding it gives the same bytes")
    func replyExample() throws {
        var reply = Tessera_Wire_V1_Reply()
        reply.id = 1
        reply.status = Tessera_Wire_V1_Status(.ok)
        reply.body = try Self.health.serializedBytes()
        var frame = Tessera_Wire_V1_Frame()
        frame.kind = .reply(reply)

        var bytes = try Self.example("reply")
        #expect(bytes.readableBytes == 27)
        #expect(try SampleFrames.encoded([frame]) == bytes)
        var decoder = FrameDecoder(direction: .serverToClient)
        let decoded = try #require(try decoder.decode(buffer: &bytes))
        #expect(decoded == frame)
        guard case .reply(let decodedReply) = decoded.kind else {
            Issue.record("expected a reply")
            return
        }
        #expect(decodedReply.status.statusCode == .ok)
        #expect(try Tessera_V1_HealthCheckResponse(serializedBytes: decodedReply.body) == Self.health)
    }
}
