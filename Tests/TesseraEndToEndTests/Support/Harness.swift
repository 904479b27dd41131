import Foundation
import Logging
import NIOCore
import Synchronization
import TesseraClient
import TesseraCrypto
import TesseraServer
import TesseraWire

/// A real `TesseraServer` on 127.0.0.1 (port 0) with a real callers registry and an ephemeral keyring, and
/// helpers to make real `TesseraClient`s for it.
struct Harness {
    /// A token allowed to call everything.
    let adminToken: String
    /// A token allowed only `tessera.v1.Health/*`.
    let healthOnlyToken: String
    /// A token allowed `Health/Check` with a burst of 3 calls and almost no refill.
    let limitedToken: String
    let server: TesseraServer
    let port: Int
    /// The server's hasher (to check the hashes it returns).
    let hasher: PasswordHasher
    /// The server's cipher (to check what it seals).
    let cipher: EnvelopeCipher

    /// A client of the server with `token` (or no credential), `connections` connections and `logger`.
    func client(
        token: String?,
        connections: Int = 2,
        logger: Logger = Logger(label: "tessera.e2e.client", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws -> TesseraClient {
        var configuration = clientConfiguration(token: token)
        configuration.connections = connections
        return try TesseraClient(configuration: configuration, logger: logger)
    }

    /// The configuration of a client of the server with `token` (or no credential), for tests that change more of
    /// it (TLS, retries) before making the client.
    func clientConfiguration(token: String?) -> TesseraClient.Configuration {
        var configuration = TesseraClient.Configuration(
            host: "127.0.0.1", port: port, credential: token.map { TesseraClient.Credential($0) }
        )
        // Generous: Argon2 calls of many suites share two loaded cores; tests of deadlines pass their own.
        configuration.defaultTimeout = .seconds(60)
        return configuration
    }

    /// Runs `body` against a fresh server, then shuts the server down gracefully (a second shutdown by the body
    /// does no harm). `extraCallers` are added to the callers file.
    static func with(
        configuration: ServerConfiguration = ServerConfiguration(),
        extraCallers: [CallersFile.Entry] = [],
        logger: Logger = Logger(label: "tessera.e2e.server", factory: { _ in SwiftLogNoOpLogHandler() }),
        customize: (inout CallRouter) -> Void = { _ in },
        _ body: (Harness) async throws -> Void
    ) async throws {
        var configuration = configuration
        configuration.host = "127.0.0.1"
        configuration.port = 0
        let admin = OpaqueToken.generate(.caller)
        let health = OpaqueToken.generate(.caller)
        let limited = OpaqueToken.generate(.caller)
        let file = CallersFile(
            callers: [
                .init(id: "admin", credentialSHA256: admin.digest.hex, allow: ["*"]),
                .init(id: "prober", credentialSHA256: health.digest.hex, allow: ["tessera.v1.Health/*"]),
                .init(
                    id: "limited", credentialSHA256: limited.digest.hex, allow: ["tessera.v1.Health/Check"],
                    rateLimit: .init(perSecond: 0.01, burst: 3)
                ),
            ] + extraCallers)
        // A real registry, loaded from a callers file on disk as `tessera serve` does.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-e2e-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let callersPath = directory.appendingPathComponent("callers.json").path
        try file.write(to: callersPath)
        let registry = try CallerRegistry.load(from: callersPath)

        let hasher = try PasswordHasher(configuration: .init(workers: 2, maxQueued: 256))
        let cipher = EnvelopeCipher(keyring: try Keyring.generate())
        var router = StatelessServices(hasher: hasher, cipher: cipher, maxBatchItems: configuration.maxBatchItems)
            .router()
        customize(&router)
        let server = TesseraServer(
            configuration: configuration, router: router, callers: registry, hasher: hasher, logger: logger
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            let address = try await server.listeningAddress()
            let harness = Harness(
                adminToken: admin.reveal(),
                healthOnlyToken: health.reveal(),
                limitedToken: limited.reveal(),
                server: server,
                port: try requirePort(address),
                hasher: hasher,
                cipher: cipher
            )
            do {
                try await body(harness)
            } catch {
                server.shutdownGracefully()
                try? await group.waitForAll()
                try? await hasher.shutdown()
                throw error
            }
            server.shutdownGracefully()
            try await group.waitForAll()
        }
        try await hasher.shutdown()
    }
}

/// The port of a bound address, or an error when it has none.
private func requirePort(_ address: SocketAddress) throws -> Int {
    guard let port = address.port else { throw HarnessError("the server's address has no port") }
    return port
}

/// A failure of the test harness itself.
struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Test routers: `Secrets/Seal` replaced by a handler that sleeps one millisecond per plaintext byte, then echoes
/// the plaintext, so tests control how long a call takes (cancel, deadline, shutdown).
enum SlowSeal {
    /// How many slow seals have started on the server, for tests that must act while calls are in flight.
    final class Started: Sendable {
        private let count = Mutex(0)

        func increment() { count.withLock { $0 += 1 } }

        var value: Int { count.withLock { $0 } }
    }

    static func install(_ router: inout CallRouter) {
        install(counting: nil, &router)
    }

    static func install(counting started: Started?, _ router: inout CallRouter) {
        router.register(MethodCatalog.secretsSeal, request: Tessera_V1_SealRequest.self) { request, _ in
            started?.increment()
            try await Task.sleep(for: .milliseconds(request.plaintext.count))
            var response = Tessera_V1_SealResponse()
            response.sealed = request.plaintext
            return response
        }
    }

    /// A plaintext that takes `milliseconds` to serve.
    static func plaintext(milliseconds: Int) -> [UInt8] {
        [UInt8](repeating: 0x2A, count: milliseconds)
    }
}
