import Foundation
import Logging
import MetricsTestKit
import TesseraCrypto
import TesseraServer
import TesseraWire
import Testing

/// Calls refused before they get a task of their own: `Passwords` calls while the Argon2 queue is full.
@Suite("Early refusal", .timeLimit(.minutes(5)))
struct EarlyRefusalTests {
    @Test("A burst of Hash calls past the Argon2 queue is refused, and each refusal is counted once")
    func hashBurst() async throws {
        let metrics = TestMetrics()
        let token = OpaqueToken.generate(.caller)
        let registry = try CallerRegistry(
            file: CallersFile(callers: [.init(id: "admin", credentialSHA256: token.digest.hex, allow: ["*"])]))
        let hasher = try PasswordHasher(configuration: .init(workers: 1, maxQueued: 0))
        let cipher = EnvelopeCipher(keyring: try Keyring.generate())
        let server = TesseraServer(
            configuration: .init(host: "127.0.0.1", port: 0),
            router: StatelessServices(hasher: hasher, cipher: cipher).router(),
            callers: registry, hasher: hasher,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
            metricsFactory: metrics
        )
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await server.run() }
            let client = try await RawClient.connect(to: try await server.listeningAddress())
            var request = Tessera_V1_HashPasswordRequest()
            request.password = "burst password"
            var ids: Set<UInt64> = []
            for _ in 0..<40 {
                ids.insert(
                    try await client.call(MethodCatalog.passwordsHash.name, body: request, token: token.reveal()))
            }
            // A health check in the middle of the burst is answered too.
            let health = try await client.call(MethodCatalog.healthCheck.name, token: token.reveal())
            var codes: [StatusCode: Int] = [:]
            var healthCode: StatusCode?
            for _ in 0..<41 {
                let reply = try await client.receiveReply()
                if reply.id == health {
                    healthCode = reply.code
                } else {
                    #expect(ids.remove(reply.id) != nil)
                    codes[reply.code, default: 0] += 1
                }
            }
            #expect(healthCode == .ok)
            #expect(Set(codes.keys).isSubset(of: [.ok, .resourceExhausted]))
            #expect(codes[.ok, default: 0] >= 1)
            let refused = codes[.resourceExhausted, default: 0]
            #expect(refused >= 1, "one worker and no queue cannot take 40 calls at once")
            // A reply goes out before its call's metrics are recorded: once run() has returned, every call is done.
            server.shutdownGracefully()
            try await tasks.waitForAll()
            #expect(try metrics.expectCounter("tessera_argon2_rejected_total").totalValue == Int64(refused))
        }
        try await hasher.shutdown()
    }
}
