import Foundation
import TesseraServer
import TesseraWire
import Testing

/// Framing violations: each gets a `go_away` with a reason and a closed connection, while another connection
/// keeps being served.
@Suite("Protocol errors", .timeLimit(.minutes(5)))
struct ProtocolErrorTests {
    enum Violation: String, CaseIterable, Sendable {
        case emptyFrame
        case frameTooLarge
        case hugeLength
        case garbage
        case wrongDirection
        case callIDZero
        case duplicateCallID
    }

    @Test("A protocol error gives go_away and close; other connections are unaffected", arguments: Violation.allCases)
    func violation(_ violation: Violation) async throws {
        try await TestServer.with(configuration: .init(maxFrameBytes: 1024), customize: Stall.install) { server in
            let bystander = try await server.connect()
            #expect(try await bystander.unary(MethodCatalog.healthCheck.name, token: server.adminToken).code == .ok)

            let offender = try await server.connect()
            var expectedLastCallID: UInt64 = 0
            switch violation {
            case .emptyFrame:
                try await offender.sendRaw([0, 0, 0, 0])
            case .frameTooLarge:
                try await offender.sendRaw([0, 0, 0x04, 0x01])  // 1025 bytes announced, none sent
            case .hugeLength:
                try await offender.sendRaw([0xFF, 0xFF, 0xFF, 0xFF])
            case .garbage:
                try await offender.sendRaw([0, 0, 0, 5, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
            case .wrongDirection:
                var reply = Tessera_Wire_V1_Reply()
                reply.id = 1
                var frame = Tessera_Wire_V1_Frame()
                frame.kind = .reply(reply)
                try await offender.send(frame)
            case .callIDZero:
                try await offender.call(MethodCatalog.healthCheck.name, token: server.adminToken, id: 0)
            case .duplicateCallID:
                try await offender.call(
                    Stall.method, body: Tessera_V1_OpenRequest().bytes, token: server.adminToken, id: 7)
                try await offender.call(MethodCatalog.healthCheck.name, token: server.adminToken, id: 7)
                expectedLastCallID = 7
            }
            let frames = await offender.drainUntilClosed()
            let goAway = try #require(
                frames.compactMap { frame -> Tessera_Wire_V1_GoAway? in
                    if case .goAway(let goAway) = frame.kind { return goAway }
                    return nil
                }.first)
            #expect(!goAway.reason.isEmpty)
            #expect(goAway.lastCallID == expectedLastCallID)
            #expect(!frames.contains { if case .reply = $0.kind { true } else { false } })

            #expect(try await bystander.unary(MethodCatalog.healthCheck.name, token: server.adminToken).code == .ok)
        }
    }
}
