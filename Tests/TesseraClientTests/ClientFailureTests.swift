import Foundation
import TesseraClient
import TesseraWire
import Testing

@Suite("TesseraClient: deadlines, cancellation, lost connections, retries, go_away", .timeLimit(.minutes(5)))
struct ClientFailureTests {
    /// Holds `Secrets/Seal` calls forever; answers everything else.
    private static let holdSeal: FakeServer.Behaviour = { call, index in
        call.method == MethodCatalog.secretsSeal.name ? .hold : FakeServices.behaviour()(call, index)
    }

    @Test("a passed deadline fails with timedOut, sends timeout_ms, and sends a cancel for the call")
    func deadline() async throws {
        try await TestClient.withServer(behaviour: Self.holdSeal) { server, client in
            // Connect first, so that the deadline is spent waiting for the reply, not connecting; and long enough
            // for a loaded machine to send the frame before it passes (a call whose deadline passes first is never
            // sent).
            _ = try await client.health()
            let start = ContinuousClock.now
            let error = await clientError { _ = try await client.seal([1, 2, 3], timeout: .seconds(3)) }
            #expect(error?.code == .timedOut)
            #expect(error?.code.statusCode == .deadlineExceeded)
            #expect(ContinuousClock.now - start < .seconds(60))
            try await server.log.waitUntil("the call to arrive") { $0.calls.count == 2 }
            let call = try #require(server.log.snapshot.calls.last)
            #expect(call.call.method == MethodCatalog.secretsSeal.name)
            #expect(call.call.timeoutMs > 0 && call.call.timeoutMs <= 3000)
            try await server.log.waitUntil("a cancel for the call") { log in
                log.cancels.contains { $0.id == call.call.id }
            }
            // The connection is still usable.
            let health = try await client.health()
            #expect(health.isServing)
        }
    }

    @Test("cancelling the awaiting task fails the call with cancelled and sends a cancel frame")
    func taskCancellation() async throws {
        try await TestClient.withServer(behaviour: Self.holdSeal) { server, client in
            let task = Task { try await client.seal([9, 9]) }
            try await server.log.waitUntil("the call to arrive") { !$0.calls.isEmpty }
            task.cancel()
            let error = await clientError { _ = try await task.value }
            #expect(error?.code == .cancelled)
            let id = try #require(server.log.snapshot.calls.first?.call.id)
            try await server.log.waitUntil("a cancel for the call") { log in log.cancels.contains { $0.id == id } }
            #expect(server.log.snapshot.calls.count == 1, "a cancelled call is not retried")
        }
    }

    /// Closes the first connection on its first call; answers everything on later connections.
    private static let dropFirstConnection: FakeServer.Behaviour = { call, index in
        index == 0 ? .closeConnection : FakeServices.behaviour()(call, index)
    }

    @Test("a connection lost mid-call fails a call not safe to retry with UNAVAILABLE; the next call reconnects")
    func connectionLostUnsafe() async throws {
        try await TestClient.withServer(behaviour: Self.dropFirstConnection) { server, client in
            let error = await clientError {
                _ = try await client.call(
                    TestClient.unsafeSeal, Tessera_V1_SealRequest(), as: Tessera_V1_SealResponse.self
                )
            }
            #expect(error?.code == .status(.unavailable))
            #expect(server.log.snapshot.calls.count == 1, "not retried: the outcome is unknown")
            let health = try await client.health()
            #expect(health.isServing)
            // On a new connection: the second as a rule, though a loaded run of the whole suite once served it on a
            // third.
            #expect((server.log.snapshot.calls.last?.connection ?? 0) >= 1, "served on a new connection")
        }
    }

    @Test("a connection lost mid-call is retried transparently for a method safe to retry")
    func connectionLostSafe() async throws {
        try await TestClient.withServer(behaviour: Self.dropFirstConnection) { server, client in
            let sealed = try await client.seal([1, 2, 3], context: ["k": "v"])
            #expect(sealed == Array(FakeServices.seal(Data([1, 2, 3]), ["k": "v"])))
            #expect(server.log.snapshot.calls.map(\.connection) == [0, 1])
        }
    }

    @Test("retries are bounded by maxRetries")
    func boundedRetries() async throws {
        let alwaysDrop: FakeServer.Behaviour = { _, _ in .closeConnection }
        try await TestClient.withServer(maxRetries: 2, behaviour: alwaysDrop) { server, client in
            let error = await clientError { _ = try await client.health() }
            #expect(error?.code == .status(.unavailable))
            #expect(server.log.snapshot.calls.count == 3)
        }
    }

    @Test("UNAVAILABLE from the server is retried only for methods safe to retry")
    func unavailableStatus() async throws {
        let unavailableFirst: FakeServer.Behaviour = { call, index in
            call.id == 1 ? .fail(.unavailable, "busy") : FakeServices.behaviour()(call, index)
        }
        try await TestClient.withServer(behaviour: unavailableFirst) { server, client in
            _ = try await client.seal([1])
            #expect(server.log.snapshot.calls.count == 2)
        }
        try await TestClient.withServer(behaviour: unavailableFirst) { server, client in
            let error = await clientError {
                _ = try await client.call(
                    TestClient.unsafeSeal, Tessera_V1_SealRequest(), as: Tessera_V1_SealResponse.self
                )
            }
            #expect(error?.code == .status(.unavailable))
            #expect(error?.message == "busy")
            #expect(server.log.snapshot.calls.count == 1)
        }
    }

    @Test("go_away: calls up to last_call_id finish, later ones are resent on a new connection, new calls go there")
    func goAway() async throws {
        // The first connection answers only when it sends go_away (and then only the calls up to last_call_id).
        let slowFirstConnection: FakeServer.Behaviour = { call, index in
            let action = FakeServices.behaviour()(call, index)
            guard index == 0, case .reply(_, _, let body, _) = action else {
                return action
            }
            return .holdUntilGoAway(body)
        }
        try await TestClient.withServer(behaviour: slowFirstConnection) { server, client in
            // Not safe to retry: calls refused by go_away never ran, so they are resent all the same.
            let calls = (0..<3).map { index in
                Task {
                    var request = Tessera_V1_SealRequest()
                    request.plaintext = Data([UInt8(index)])
                    return try await client.call(TestClient.unsafeSeal, request, as: Tessera_V1_SealResponse.self)
                }
            }
            try await server.log.waitUntil("three calls on the first connection") { $0.calls.count == 3 }
            server.goAway(lastCallID: 2)
            for (index, call) in calls.enumerated() {
                let response = try await call.value
                #expect(response.sealed == FakeServices.seal(Data([UInt8(index)]), [:]))
            }
            let log = server.log.snapshot
            let third = try #require(log.calls.first { $0.connection == 0 && $0.call.id == 3 })
            let resent = log.calls.filter { $0.connection == 1 }
            #expect(resent.map(\.call.body) == [third.call.body])
            #expect(log.calls.filter { $0.connection == 0 && $0.call.id <= 2 }.count == 2)

            _ = try await client.health()
            #expect(server.log.snapshot.calls.last?.connection == 1)
            try await server.log.waitUntil("the first connection to close") { $0.openConnections == 1 }
        }
    }

    @Test("the client answers the server's ping with a pong carrying the same payload")
    func ping() async throws {
        try await TestClient.withServer(behaviour: FakeServices.behaviour()) { server, client in
            _ = try await client.health()
            server.ping(Data([0xDE, 0xAD, 0xBE, 0xEF]))
            try await server.log.waitUntil("the pong") { $0.pongs == [Data([0xDE, 0xAD, 0xBE, 0xEF])] }
        }
    }

    @Test("a reply to an unknown call id is a protocol violation that closes the connection; the next call works")
    func protocolViolation() async throws {
        let badFirst: FakeServer.Behaviour = { call, index in
            index == 0 ? .replyUnknownID : FakeServices.behaviour()(call, index)
        }
        try await TestClient.withServer(behaviour: badFirst) { server, client in
            let error = await clientError { _ = try await client.health() }
            #expect(error?.code == .protocolViolation)
            let health = try await client.health()
            #expect(health.isServing)
        }
    }

    @Test("no server: connectionFailed after bounded retries, within the deadline")
    func noServer() async throws {
        let server = try await FakeServer.start(behaviour: FakeServices.behaviour())
        let port = server.port
        await server.stop()
        // The deadline is far away so that only the retry bound can end the call: on a loaded machine a short
        // deadline could expire first and turn the outcome into timedOut.
        let client = try TestClient.make(port: port, timeout: .seconds(60))
        let start = ContinuousClock.now
        let error = await clientError { _ = try await client.health() }
        #expect(error?.code == .connectionFailed)
        #expect(error?.code.statusCode == .unavailable)
        #expect(ContinuousClock.now - start < .seconds(60), "the retries are bounded; the call must not wait it out")
        await client.shutdown()
    }

    @Test("a request over the frame limit fails alone with invalidRequest; the connection and its calls live on")
    func requestTooLarge() async throws {
        let server = try await FakeServer.start(behaviour: Self.holdSeal)
        let client = try TestClient.make(port: server.port, maxFrameBytes: 4096)
        // A deadline far away: only the cancel below may end the held call, however slow the machine.
        let held = Task { try await client.seal([1], timeout: .seconds(600)) }
        try await server.log.waitUntil("the held call to arrive") { $0.calls.count == 1 }
        let error = await clientError { _ = try await client.seal(Array(repeating: 0x41, count: 5000)) }
        #expect(error?.code == .invalidRequest)
        let health = try await client.health()
        #expect(health.isServing)
        let log = server.log.snapshot
        #expect(log.calls.count == 2 && log.connections == 1)
        held.cancel()
        #expect(await clientError { _ = try await held.value }?.code == .cancelled)
        await client.shutdown()
        await server.stop()
    }

    @Test("shutdown fails calls in flight and later calls with shutdown")
    func shutdown() async throws {
        let server = try await FakeServer.start(behaviour: Self.holdSeal)
        let client = try TestClient.make(port: server.port)
        let held = Task { try await client.seal([1]) }
        try await server.log.waitUntil("the call to arrive") { !$0.calls.isEmpty }
        await client.shutdown()
        #expect(await clientError { _ = try await held.value }?.code == .shutdown)
        #expect(await clientError { _ = try await client.health() }?.code == .shutdown)
        await server.stop()
    }

    @Test("neither errors nor the configuration ever show the credential")
    func credentialNeverShown() async throws {
        let refuse: FakeServer.Behaviour = { _, _ in .fail(.unauthenticated, "unknown caller credential") }
        try await TestClient.withServer(behaviour: refuse) { server, client in
            let error = try #require(await clientError { _ = try await client.hashPassword("pw") })
            #expect(error.code == .status(.unauthenticated))
            var dumped = ""
            dump(client.configuration, to: &dumped)
            let texts = [
                String(describing: error), String(reflecting: error), error.message, dumped,
                String(describing: client.configuration), String(reflecting: client.configuration.credential),
            ]
            for text in texts {
                #expect(!text.contains("MARKER7f3a9c1e"))
            }
            // The marker did travel, as the authorization metadata.
            #expect(
                server.log.snapshot.calls.first?.call.metadata["authorization"]
                    == "Bearer \(TestClient.credentialMarker)"
            )
        }
    }
}
