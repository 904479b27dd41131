import Foundation
import TesseraServer
import TesseraWire
import Testing

/// A bounded randomised fuzz of method dispatch: random method names, bodies and metadata over a real connection.
/// Every call must get exactly one reply with a known status, and the server must keep serving.
@Suite("Dispatch fuzz", .timeLimit(.minutes(5)))
struct DispatchFuzzTests {
    @Test("Random calls for about two seconds each get one reply")
    func fuzz() async throws {
        // Refusals before authentication are part of the mix: the address's budget of them is lifted, and so is the
        // time a connection may stay unauthenticated (a loaded run took over 10 s for rounds in which no call
        // carried a valid token, and the server closed the connection as it should).
        try await TestServer.with(
            configuration: .init(
                maxCallsInFlightPerConnection: 64,
                unauthenticatedIdleTimeout: .seconds(600),
                maxUnauthenticatedFailuresPerAddress: 1 << 30
            )
        ) { server in
            var generator = SystemRandomNumberGenerator()
            let names =
                MethodCatalog.all.map(\.name) + [
                    "", "tessera.v1.Passwords/", "tessera.v1.Passwords/hash", "/", "*", "tessera.v1.Health/Check/x",
                    String(repeating: "A", count: 300), "tessera.v1.Secrets/Seal\u{0}",
                ]
            let tokens = [
                server.adminToken, server.healthOnlyToken, "garbage", "", String(server.adminToken.dropLast()),
            ]
            var calls = 0
            let client = try await server.connect()
            // At least one round of 32 calls, then more until about two seconds have passed since connecting.
            let end = ContinuousClock.now + .seconds(2)
            repeat {
                var pending = Set<UInt64>()
                for _ in 0..<32 {
                    var call = Tessera_Wire_V1_Call()
                    call.id = client.makeID()
                    call.method = names.randomElement(using: &generator) ?? ""
                    let length = Int.random(in: 0..<64, using: &generator)
                    call.body = Data((0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) })
                    if Bool.random(using: &generator) {
                        call.metadata["authorization"] = "Bearer " + (tokens.randomElement(using: &generator) ?? "")
                    }
                    if Bool.random(using: &generator) {
                        call.metadata["x-\(Int.random(in: 0..<9, using: &generator))"] = "noise"
                    }
                    call.timeoutMs = UInt32.random(in: 0..<2000, using: &generator)
                    var frame = Tessera_Wire_V1_Frame()
                    frame.kind = .call(call)
                    try await client.send(frame)
                    pending.insert(call.id)
                }
                while !pending.isEmpty {
                    let reply = try await client.receiveReply()
                    #expect(pending.remove(reply.id) != nil, "one reply per call")
                    #expect(StatusCode(rawValue: reply.status.code.rawValue) != nil)
                    #expect(reply.code != .internal)
                    calls += 1
                }
            } while ContinuousClock.now < end
            #expect(calls >= 32)
            #expect(try await client.unary(MethodCatalog.healthCheck.name, token: server.adminToken).code == .ok)
        }
    }

    @Test("Random bytes on many connections: each ends with at most a go_away, and the server keeps serving")
    func randomBytes() async throws {
        try await TestServer.with(configuration: .init(maxFrameBytes: 4096)) { server in
            var generator = SystemRandomNumberGenerator()
            let end = ContinuousClock.now + .seconds(1)
            var connections = 0
            while ContinuousClock.now < end {
                let client = try await server.connect()
                var bytes = (0..<Int.random(in: 1..<512, using: &generator)).map { _ in
                    UInt8.random(in: 0...255, using: &generator)
                }
                if Bool.random(using: &generator) {
                    // A plausible header in front of the garbage, so bodies get parsed too.
                    let length = UInt32(bytes.count)
                    bytes = withUnsafeBytes(of: length.bigEndian) { Array($0) } + bytes
                }
                // The server may close the connection while the bytes are still going out: not an error here.
                try? await client.sendRaw(bytes)
                try? await client.channel.close(mode: .output)
                let frames = await client.drainUntilClosed()
                for frame in frames {
                    switch frame.kind {
                    case .goAway, .pong, .reply: break
                    default: Issue.record("unexpected frame \(frame)")
                    }
                }
                connections += 1
            }
            #expect(connections > 0)
            let client = try await server.connect()
            #expect(try await client.unary(MethodCatalog.healthCheck.name, token: server.adminToken).code == .ok)
        }
    }
}
