import Foundation
import TesseraServer
import TesseraWire
import Testing

/// A call's metadata is bounded before authentication (issue 14, item 5b): too many entries, a key or value too
/// long, or too many bytes in all is `INVALID_ARGUMENT`, whatever the credential, so a stranger cannot make the
/// server walk a map of thousands of entries.
@Suite("Call metadata limits", .timeLimit(.minutes(1)))
struct MetadataLimitTests {
    enum Excess: String, CaseIterable, Sendable {
        case entries
        case keyLength
        case valueLength
        case totalBytes
    }

    private static func metadata(_ excess: Excess) -> [String: String] {
        switch excess {
        case .entries: Dictionary(uniqueKeysWithValues: (0..<33).map { ("x-\($0)", "v") })
        case .keyLength: [String(repeating: "k", count: 129): "v"]
        case .valueLength: ["x-value": String(repeating: "v", count: 4097)]
        case .totalBytes:
            Dictionary(uniqueKeysWithValues: (0..<3).map { ("x-\($0)", String(repeating: "v", count: 3000)) })
        }
    }

    /// Sends a call with the admin credential plus `extra` metadata entries, and returns its reply.
    private static func call(
        _ method: String, extra: [String: String], on client: RawClient, token: String?, body: Data = Data()
    ) async throws -> Tessera_Wire_V1_Reply {
        var call = Tessera_Wire_V1_Call()
        call.id = client.makeID()
        call.method = method
        call.body = body
        call.metadata = extra
        if let token {
            call.metadata["authorization"] = "Bearer \(token)"
        }
        var frame = Tessera_Wire_V1_Frame()
        frame.kind = .call(call)
        try await client.send(frame)
        let reply = try await client.receiveReply()
        #expect(reply.id == call.id)
        return reply
    }

    @Test(
        "Metadata out of bounds is INVALID_ARGUMENT, with or without a credential, on either path",
        arguments: Excess.allCases, [MethodCatalog.healthCheck.name, MethodCatalog.passwordsHash.name])
    func outOfBounds(_ excess: Excess, method: String) async throws {
        // Every call here is refused before authentication, so the connection lives on its unauthenticated lifetime,
        // which a loaded machine running the whole suite has outlasted; the limit has tests of its own.
        let patient = ServerConfiguration(unauthenticatedIdleTimeout: .seconds(120))
        try await TestServer.with(configuration: patient) { server in
            let client = try await server.connect()
            for token in [server.adminToken, nil] {
                let reply = try await Self.call(method, extra: Self.metadata(excess), on: client, token: token)
                #expect(reply.code == .invalidArgument)
                #expect(reply.status.message.contains("metadata"))
            }
        }
    }

    @Test("Metadata within bounds is served")
    func withinBounds() async throws {
        try await TestServer.with { server in
            let client = try await server.connect()
            let extra = Dictionary(uniqueKeysWithValues: (0..<31).map { ("x-\($0)", "v") })
            let reply = try await Self.call(
                MethodCatalog.healthCheck.name, extra: extra, on: client, token: server.adminToken)
            #expect(reply.code == .ok)
        }
    }

    @Test("The review's frame of 60,000 entries is refused without being walked")
    func reviewReproduction() async throws {
        try await TestServer.with { server in
            let extra = Dictionary(uniqueKeysWithValues: (0..<60_000).map { ("k\($0)", "v") })
            // Before authentication such a frame is refused from its header (the small frame limit).
            let stranger = try await server.connect()
            var call = Tessera_Wire_V1_Call()
            call.id = 1
            call.method = MethodCatalog.healthCheck.name
            call.metadata = extra
            var frame = Tessera_Wire_V1_Frame()
            frame.kind = .call(call)
            try await stranger.send(frame)
            #expect(await stranger.drainUntilClosed().firstGoAway != nil)
            // After it, by the metadata bounds.
            let caller = try await server.connect()
            #expect(try await caller.unary(MethodCatalog.healthCheck.name, token: server.adminToken).code == .ok)
            let reply = try await Self.call(
                MethodCatalog.healthCheck.name, extra: extra, on: caller, token: server.adminToken)
            #expect(reply.code == .invalidArgument)
        }
    }
}
