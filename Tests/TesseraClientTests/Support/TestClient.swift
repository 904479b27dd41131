import TesseraClient
import TesseraWire

/// Builders shared by the client tests.
enum TestClient {
    /// A credential with a recognisable marker, to check it never appears in errors.
    static let credentialMarker = "tsr_caller_MARKER7f3a9c1e"

    /// A client of a fake server on 127.0.0.1.
    static func make(
        port: Int,
        connections: Int = 1,
        maxRetries: Int = 2,
        timeout: Duration = .seconds(20),
        tls: TesseraClient.TLS = .disabled,
        maxFrameBytes: Int = 1 << 20
    ) throws -> TesseraClient {
        var configuration = TesseraClient.Configuration(
            host: "127.0.0.1", port: port, credential: .init(Self.credentialMarker)
        )
        configuration.connections = connections
        configuration.maxRetries = maxRetries
        configuration.defaultTimeout = timeout
        configuration.reconnectBackoff = .milliseconds(20)
        configuration.tls = tls
        configuration.maxFrameBytes = maxFrameBytes
        return try TesseraClient(configuration: configuration)
    }

    /// `Secrets/Seal` declared as not safe to retry, to test the retry rules on a method that must not run twice.
    static let unsafeSeal = MethodDescriptor(
        MethodCatalog.secretsSeal.name, request: Tessera_V1_SealRequest.self,
        response: Tessera_V1_SealResponse.self, isSafeToRetry: false
    )

    /// Runs `body` with a fake server and a client of it, then shuts both down.
    static func withServer(
        connections: Int = 1,
        maxRetries: Int = 2,
        behaviour: @escaping FakeServer.Behaviour,
        _ body: (FakeServer, TesseraClient) async throws -> Void
    ) async throws {
        let server = try await FakeServer.start(behaviour: behaviour)
        let client = try Self.make(port: server.port, connections: connections, maxRetries: maxRetries)
        do {
            try await body(server, client)
        } catch {
            await client.shutdown()
            await server.stop()
            throw error
        }
        await client.shutdown()
        await server.stop()
    }
}

/// Runs `body` and returns the ``TesseraClientError`` it throws, or `nil` when it throws none (or another error).
func clientError(_ body: () async throws -> Void) async -> TesseraClientError? {
    do {
        try await body()
        return nil
    } catch let error as TesseraClientError {
        return error
    } catch {
        return nil
    }
}
