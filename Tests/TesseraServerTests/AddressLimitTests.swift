import Foundation
import TesseraWire
import Testing

@testable import TesseraServer

/// Connection slots cannot be taken by strangers (issue 14, items 3 and 5b): a limit of connections per client
/// address, and a short lifetime for a connection on which no call has been authenticated, which its own frames do
/// not extend.
@Suite("Per-address and unauthenticated connection limits", .timeLimit(.minutes(1)))
struct AddressLimitTests {
    @Test("A connection past its address's limit gets go_away; a slot freed is usable again")
    func perAddressLimit() async throws {
        let configuration = ServerConfiguration(maxConnectionsPerAddress: 3)
        try await TestServer.with(configuration: configuration) { server in
            var clients: [RawClient] = []
            for _ in 0..<3 {
                let client = try await server.connect()
                #expect(try await client.unary(MethodCatalog.healthCheck.name, token: server.adminToken).code == .ok)
                clients.append(client)
            }
            let extra = try await server.connect()
            let frames = await extra.drainUntilClosed()
            #expect(frames.firstGoAway?.reason == "too many connections from this address")
            #expect(frames.replies.isEmpty)

            await clients.removeFirst().close()
            while server.server.connectionCount(from: "127.0.0.1") >= 3 {
                try await Task.sleep(for: .milliseconds(10))
            }
            let again = try await server.connect()
            #expect(try await again.unary(MethodCatalog.healthCheck.name, token: server.adminToken).code == .ok)
            for client in clients {
                #expect(try await client.unary(MethodCatalog.healthCheck.name, token: server.adminToken).code == .ok)
            }
        }
    }

    @Test("A connection with no authenticated call is closed after the short timeout, however often it pings")
    func unauthenticatedIdle() async throws {
        let configuration = ServerConfiguration(idleTimeout: .seconds(600), unauthenticatedIdleTimeout: .seconds(3))
        try await TestServer.with(configuration: configuration) { server in
            // Authenticated first, so its own short timeout no longer applies when the stranger's runs out.
            let caller = try await server.connect()
            #expect(try await caller.unary(MethodCatalog.healthCheck.name, token: server.adminToken).code == .ok)

            let stranger = try await server.connect()
            // Pings and refused calls keep a connection busy, but do not authenticate it.
            #expect(try await stranger.unary(MethodCatalog.healthCheck.name, token: nil).code == .unauthenticated)
            var ping = Tessera_Wire_V1_Frame()
            ping.kind = .ping(Tessera_Wire_V1_Ping())
            var goAway: Tessera_Wire_V1_GoAway?
            pinging: while true {
                guard (try? await stranger.send(ping)) != nil else {
                    // Closed while the test slept: the go_away is among the frames left.
                    goAway = await stranger.drainUntilClosed().firstGoAway
                    break
                }
                switch try await stranger.receive()?.kind {
                case .pong: try await Task.sleep(for: .milliseconds(100))
                case .goAway(let received):
                    goAway = received
                    break pinging
                default:
                    break pinging
                }
            }
            #expect(goAway?.reason == "idle")
            #expect(goAway?.lastCallID == 1)
            #expect(try await caller.unary(MethodCatalog.healthCheck.name, token: server.adminToken).code == .ok)
        }
    }
}
