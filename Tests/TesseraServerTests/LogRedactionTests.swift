import Foundation
import Logging
import TesseraCrypto
import TesseraServer
import TesseraTestSupport
import TesseraWire
import Testing

/// Everything the server logs during an end-to-end run, checked for the secrets that went through it.
@Suite("Log redaction", .timeLimit(.minutes(5)))
struct LogRedactionTests {
    @Test("Logs name methods, callers and statuses, and contain no password, plaintext, TOTP secret, code or token")
    func noSecretsInLogs() async throws {
        let store = CapturingLogHandler.Store()
        var logger = Logger(label: "tessera.server", factory: { _ in CapturingLogHandler(store: store) })
        logger.logLevel = .trace
        let password = "pw-Hunter2-\(UUID().uuidString)"
        let plaintext = "plaintext-\(UUID().uuidString)"
        var secrets: [String] = [password, plaintext]
        try await TestServer.with(logger: logger) { server in
            secrets += [server.adminToken, server.healthOnlyToken, server.limitedToken]
            let client = try await server.connect()

            var hash = Tessera_V1_HashPasswordRequest()
            hash.password = password
            let phc = try await client.unary(MethodCatalog.passwordsHash.name, body: hash, token: server.adminToken)
                .decode(Tessera_V1_HashPasswordResponse.self).phc
            secrets.append(phc)
            var verify = Tessera_V1_VerifyPasswordRequest()
            verify.password = password
            verify.phc = phc
            _ = try await client.unary(MethodCatalog.passwordsVerify.name, body: verify, token: server.adminToken)
            // An invalid password (too long) must not be echoed in the error either.
            hash.password = password + String(repeating: "x", count: 2000)
            #expect(
                try await client.unary(MethodCatalog.passwordsHash.name, body: hash, token: server.adminToken).code
                    == .invalidArgument)

            var generate = Tessera_V1_GenerateTotpRequest()
            generate.issuer = "Acme"
            generate.account = "bob"
            let enrolment = try await client.unary(
                MethodCatalog.totpGenerate.name, body: generate, token: server.adminToken
            )
            .decode(Tessera_V1_GenerateTotpResponse.self)
            secrets.append(enrolment.secretBase32)
            let code = try TOTP.code(for: try TOTPSecret(base32: enrolment.secretBase32), at: Date())
            secrets.append(code)
            var totp = Tessera_V1_VerifyTotpRequest()
            totp.secretBase32 = enrolment.secretBase32
            totp.code = code
            _ = try await client.unary(MethodCatalog.totpVerify.name, body: totp, token: server.adminToken)

            var seal = Tessera_V1_SealRequest()
            seal.plaintext = Data(plaintext.utf8)
            seal.context = ["user_id": "ctx-secret-value"]
            let sealed = try await client.unary(MethodCatalog.secretsSeal.name, body: seal, token: server.adminToken)
                .decode(Tessera_V1_SealResponse.self).sealed
            var open = Tessera_V1_OpenRequest()
            open.sealed = sealed
            open.context = seal.context
            _ = try await client.unary(MethodCatalog.secretsOpen.name, body: open, token: server.adminToken)
            // Failures: wrong token, unknown method carrying a secret in its name.
            _ = try await client.unary(MethodCatalog.healthCheck.name, token: OpaqueToken.generate(.caller).reveal())
            _ = try await client.unary("tessera.v1.Leak/\(password)", token: server.adminToken)
        }
        let lines = store.all
        #expect(lines.contains { $0.contains("method=tessera.v1.Passwords/Hash") && $0.contains("caller=admin") })
        #expect(lines.contains { $0.contains("status=UNAUTHENTICATED") })
        #expect(lines.contains { $0.contains("method=unknown") && $0.contains("status=UNIMPLEMENTED") })
        for secret in secrets {
            let leaks = lines.filter { $0.contains(secret) }
            #expect(leaks.isEmpty, "a secret appears in \(leaks.count) log lines")
        }
        #expect(!lines.contains { $0.contains("ctx-secret-value") })
    }
}
