import Foundation
import TesseraCrypto
import TesseraServer
import TesseraWire
import Testing

/// The review's reproduction of the TOTP key-separation bypass, over a real socket: a caller of `Secrets/*` must
/// neither open a sealed TOTP seed nor forge one, and `Totp/Rewrap` is the way TOTP secrets move to a new version.
@Suite("Purpose separation of sealed secrets", .timeLimit(.minutes(2)))
struct PurposeSeparationTests {
    static let reservedContexts: [[String: String]] = [
        ["user_id": "42", "tessera.purpose": "totp-secret"],
        ["tessera.purpose": "totp-secret"],
        ["tessera.anything": "x"],
        ["tessera.": "x"],
    ]

    @Test(
        "Secrets/Seal, Open, Rewrap and the batches refuse every reserved tessera. context key",
        arguments: reservedContexts)
    func secretsRefuseReservedKeys(context: [String: String]) async throws {
        try await TestServer.with { server in
            let client = try await server.connect()
            var seal = Tessera_V1_SealRequest()
            seal.plaintext = Data("attacker-chosen-seed".utf8)
            seal.context = context
            let sealed = try await client.unary(MethodCatalog.secretsSeal.name, body: seal, token: server.adminToken)
            #expect(sealed.code == .invalidArgument)
            #expect(!sealed.status.message.contains("totp-secret"))

            var open = Tessera_V1_OpenRequest()
            open.sealed = Data([1, 2, 3])
            open.context = context
            #expect(
                try await client.unary(MethodCatalog.secretsOpen.name, body: open, token: server.adminToken).code
                    == .invalidArgument)

            var batch = Tessera_V1_SealBatchRequest()
            batch.items = [seal]
            let batched = try await client.unary(
                MethodCatalog.secretsSealBatch.name, body: batch, token: server.adminToken
            ).decode(Tessera_V1_SealBatchResponse.self)
            #expect(batched.results.first?.status.statusCode == .invalidArgument)
            #expect(batched.results.first?.sealed.isEmpty == true)
        }
    }

    @Test("a Totp/Generate secret does not open through Secrets/Open, whatever context is sent")
    func totpSeedDoesNotOpenAsSecret() async throws {
        try await TestServer.with { server in
            let client = try await server.connect()
            let enrolment = try await Self.generate(client, server: server, context: ["user_id": "42"])
            for context in [["user_id": "42"], ["user_id": "42", "tessera.purpose": "totp-secret"]] {
                var open = Tessera_V1_OpenRequest()
                open.sealed = enrolment.sealedSecret
                open.context = context
                let opened = try await client.unary(
                    MethodCatalog.secretsOpen.name, body: open, token: server.adminToken)
                #expect(opened.code == .invalidArgument)
                #expect(opened.body.isEmpty)
            }
            var rewrap = Tessera_V1_RewrapRequest()
            rewrap.sealed = enrolment.sealedSecret
            rewrap.context = ["user_id": "42"]
            #expect(
                try await client.unary(MethodCatalog.secretsRewrap.name, body: rewrap, token: server.adminToken).code
                    == .invalidArgument)
        }
    }

    @Test("a value sealed through Secrets/Seal is never accepted by Totp/Verify as a sealed TOTP secret")
    func secretIsNotATotpSeed() async throws {
        try await TestServer.with { server in
            let client = try await server.connect()
            let seed = Array("12345678901234567890".utf8)
            var seal = Tessera_V1_SealRequest()
            seal.plaintext = Data(seed)
            seal.context = ["user_id": "42"]
            let sealed = try await client.unary(MethodCatalog.secretsSeal.name, body: seal, token: server.adminToken)
                .decode(Tessera_V1_SealResponse.self).sealed

            var verify = Tessera_V1_VerifyTotpRequest()
            verify.sealedSecret = sealed
            verify.context = ["user_id": "42"]
            verify.code = try TOTP.code(for: try TOTPSecret(bytes: SecretBytes(copying: seed)), at: Date())
            let verified = try await client.unary(MethodCatalog.totpVerify.name, body: verify, token: server.adminToken)
            #expect(verified.code == .invalidArgument)
            #expect(verified.status.message == CallError.sealedValueDoesNotOpen)
        }
    }

    @Test("Totp/Rewrap moves a TOTP secret to the active version; it still verifies, and stays a TOTP secret")
    func totpRewrap() async throws {
        try await TestServer.with { server in
            let client = try await server.connect()
            let enrolment = try await Self.generate(client, server: server, context: ["user_id": "7"])
            let oldVersion = server.cipher.keyring.activeVersion
            try server.cipher.update { try $0.rotate() }

            var rewrap = Tessera_V1_RewrapRequest()
            rewrap.sealed = enrolment.sealedSecret
            rewrap.context = ["user_id": "7"]
            let moved = try await client.unary(MethodCatalog.totpRewrap.name, body: rewrap, token: server.adminToken)
                .decode(Tessera_V1_RewrapResponse.self)
            #expect(moved.rewrapped)
            #expect(moved.keyVersion == oldVersion + 1)
            #expect(
                try SealedEnvelope(serialized: moved.sealed).payload
                    == SealedEnvelope(
                        serialized: enrolment.sealedSecret
                    ).payload)

            var verify = Tessera_V1_VerifyTotpRequest()
            verify.sealedSecret = moved.sealed
            verify.context = ["user_id": "7"]
            verify.code = try TOTP.code(for: try TOTPSecret(base32: enrolment.secretBase32), at: Date())
            #expect(
                try await client.unary(MethodCatalog.totpVerify.name, body: verify, token: server.adminToken)
                    .decode(Tessera_V1_VerifyTotpResponse.self).valid)

            // A general secret is refused by Totp/Rewrap, and another user's context does not open.
            var seal = Tessera_V1_SealRequest()
            seal.plaintext = Data("sk-live".utf8)
            seal.context = ["user_id": "7"]
            rewrap.sealed = try await client.unary(MethodCatalog.secretsSeal.name, body: seal, token: server.adminToken)
                .decode(Tessera_V1_SealResponse.self).sealed
            #expect(
                try await client.unary(MethodCatalog.totpRewrap.name, body: rewrap, token: server.adminToken).code
                    == .invalidArgument)
            rewrap.sealed = moved.sealed
            rewrap.context = ["user_id": "8"]
            #expect(
                try await client.unary(MethodCatalog.totpRewrap.name, body: rewrap, token: server.adminToken).code
                    == .invalidArgument)
            rewrap.context = ["user_id": "7", "tessera.purpose": "totp-secret"]
            #expect(
                try await client.unary(MethodCatalog.totpRewrap.name, body: rewrap, token: server.adminToken).code
                    == .invalidArgument)
        }
    }

    @Test("Totp/Generate refuses a reserved context key, and a ':' in the issuer or the account")
    func generateRefusals() async throws {
        try await TestServer.with { server in
            let client = try await server.connect()
            for (issuer, account, context) in [
                ("Acme", "alice", ["tessera.purpose": "totp-secret"]),
                ("Acme:Evil", "alice", [:]),
                ("Acme", "alice:admin", [:]),
            ] {
                var generate = Tessera_V1_GenerateTotpRequest()
                generate.issuer = issuer
                generate.account = account
                generate.context = context
                let generated = try await client.unary(
                    MethodCatalog.totpGenerate.name, body: generate, token: server.adminToken)
                #expect(generated.code == .invalidArgument)
                #expect(generated.body.isEmpty)
            }
        }
    }

    private static func generate(
        _ client: RawClient,
        server: TestServer,
        context: [String: String]
    ) async throws -> Tessera_V1_GenerateTotpResponse {
        var generate = Tessera_V1_GenerateTotpRequest()
        generate.issuer = "Acme"
        generate.account = "alice@example.com"
        generate.context = context
        return try await client.unary(MethodCatalog.totpGenerate.name, body: generate, token: server.adminToken)
            .decode(Tessera_V1_GenerateTotpResponse.self)
    }
}
