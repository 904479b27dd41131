import Foundation
import Logging
import Metrics
import NIOCore
import NIOSSL
import TesseraCrypto
import TesseraServer
import TesseraWire

/// A server started for one test on 127.0.0.1 with port 0, with a few callers and their tokens.
struct TestServer {
    /// A token allowed to call everything.
    let adminToken: String
    /// A token allowed only `tessera.v1.Health/*`.
    let healthOnlyToken: String
    /// A token allowed everything but limited to a burst of 3 calls and a trickle of refills.
    let limitedToken: String
    let server: TesseraServer
    let address: SocketAddress
    let hasher: PasswordHasher
    let cipher: EnvelopeCipher

    /// Connects a raw client.
    func connect(tls: NIOSSLContext? = nil, autoRead: Bool = true) async throws -> RawClient {
        try await RawClient.connect(to: address, tls: tls, autoRead: autoRead)
    }

    /// The callers every test server knows; extra entries may be added by a test.
    static func callers(extra: [CallersFile.Entry] = []) -> (
        CallersFile, admin: String, health: String, limited: String
    ) {
        let admin = OpaqueToken.generate(.caller)
        let health = OpaqueToken.generate(.caller)
        let limited = OpaqueToken.generate(.caller)
        let file = CallersFile(
            callers: [
                .init(id: "admin", credentialSHA256: admin.digest.hex, allow: ["*"]),
                .init(id: "prober", credentialSHA256: health.digest.hex, allow: ["tessera.v1.Health/*"]),
                .init(
                    id: "limited",
                    credentialSHA256: limited.digest.hex,
                    allow: ["tessera.v1.Health/Check"],
                    rateLimit: .init(perSecond: 0.01, burst: 3)
                ),
            ] + extra)
        return (file, admin.reveal(), health.reveal(), limited.reveal())
    }

    /// Runs `body` against a fresh server and shuts the server down afterwards.
    ///
    /// - Parameters:
    ///   - configuration: The server configuration; host and port are forced to 127.0.0.1:0.
    ///   - extraCallers: More callers for the callers file.
    ///   - logger: The server's logger.
    ///   - customize: Changes to the router (slow handlers for cancel and deadline tests).
    ///   - body: The test.
    static func with(
        configuration: ServerConfiguration = ServerConfiguration(),
        extraCallers: [CallersFile.Entry] = [],
        logger: Logger = Logger(label: "tessera.test", factory: { _ in SwiftLogNoOpLogHandler() }),
        metricsFactory: (any MetricsFactory)? = nil,
        customize: (inout CallRouter) -> Void = { _ in },
        _ body: (TestServer) async throws -> Void
    ) async throws {
        var configuration = configuration
        configuration.host = "127.0.0.1"
        configuration.port = 0
        let (file, admin, health, limited) = callers(extra: extraCallers)
        let registry = try CallerRegistry(file: file)
        let hasher = try PasswordHasher(configuration: .init(workers: 2, maxQueued: 64))
        let cipher = EnvelopeCipher(keyring: try Keyring.generate())
        var router = StatelessServices(hasher: hasher, cipher: cipher, maxBatchItems: configuration.maxBatchItems)
            .router()
        customize(&router)
        let server = TesseraServer(
            configuration: configuration,
            router: router,
            callers: registry,
            hasher: hasher,
            logger: logger,
            metricsFactory: metricsFactory
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            let address = try await server.listeningAddress()
            let context = TestServer(
                adminToken: admin,
                healthOnlyToken: health,
                limitedToken: limited,
                server: server,
                address: address,
                hasher: hasher,
                cipher: cipher
            )
            do {
                try await body(context)
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
