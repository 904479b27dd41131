import Foundation
import TesseraCrypto
import TesseraServer
import TesseraWire
import Testing

/// Every method of the stateless services, called over a real socket.
@Suite("End to end", .timeLimit(.minutes(5)))
struct EndToEndTests {
    @Test("Passwords/Hash and Passwords/Verify, including needs_rehash with a fresh hash")
    func passwords() async throws {
        try await TestServer.with { server in
            let client = try await server.connect()
            var hash = Tessera_V1_HashPasswordRequest()
            hash.password = "correct horse battery staple"
            let hashed = try await client.unary(MethodCatalog.passwordsHash.name, body: hash, token: server.adminToken)
            #expect(hashed.code == .ok)
            let phc = try hashed.decode(Tessera_V1_HashPasswordResponse.self).phc
            #expect(phc.hasPrefix("$argon2id$v=19$m=19456,t=2,p=1$"))

            var verify = Tessera_V1_VerifyPasswordRequest()
            verify.password = "correct horse battery staple"
            verify.phc = phc
            let good = try await client.unary(
                MethodCatalog.passwordsVerify.name, body: verify, token: server.adminToken)
            let goodResponse = try good.decode(Tessera_V1_VerifyPasswordResponse.self)
            #expect(goodResponse.valid && !goodResponse.needsRehash && !goodResponse.hasNewPhc)

            verify.password = "wrong"
            let bad = try await client.unary(MethodCatalog.passwordsVerify.name, body: verify, token: server.adminToken)
            #expect(bad.code == .ok)
            #expect(try bad.decode(Tessera_V1_VerifyPasswordResponse.self).valid == false)

            // A weaker hash (t=1) of the same password: valid, needs rehash, and comes with a fresh hash.
            let weakHasher = try PasswordHasher(
                configuration: .init(policy: try PasswordPolicy(iterations: 1), workers: 1)
            )
            let weak = try await weakHasher.hash("correct horse battery staple")
            try await weakHasher.shutdown()
            verify.password = "correct horse battery staple"
            verify.phc = weak
            let upgradedReply = try await client.unary(
                MethodCatalog.passwordsVerify.name, body: verify, token: server.adminToken,
                timeoutMilliseconds: 60_000)
            try #require(upgradedReply.code == .ok, "\(upgradedReply.code): \(upgradedReply.status.message)")
            let upgraded = try upgradedReply.decode(Tessera_V1_VerifyPasswordResponse.self)
            #expect(upgraded.valid && upgraded.needsRehash && upgraded.hasNewPhc)
            #expect(try await server.hasher.verify("correct horse battery staple", against: upgraded.newPhc).isValid)

            // A stronger hash (m=64 MiB, t=3, p=4, as argon2-cffi makes) is not handed back weaker.
            let strongHasher = try PasswordHasher(
                configuration: .init(
                    policy: try PasswordPolicy(memoryKiB: 65_536, iterations: 3, parallelism: 4), workers: 1)
            )
            let strong = try await strongHasher.hash("correct horse battery staple")
            try await strongHasher.shutdown()
            verify.phc = strong
            // 64 MiB and three passes queued behind the rest of a loaded test run: a long deadline, and the code
            // checked first so that a slow machine reads as DEADLINE_EXCEEDED, not as a wrong answer.
            let keptReply = try await client.unary(
                MethodCatalog.passwordsVerify.name, body: verify, token: server.adminToken,
                timeoutMilliseconds: 60_000)
            try #require(keptReply.code == .ok, "\(keptReply.code): \(keptReply.status.message)")
            let kept = try keptReply.decode(Tessera_V1_VerifyPasswordResponse.self)
            #expect(kept.valid && !kept.needsRehash && !kept.hasNewPhc)

            verify.phc = "$argon2id$not-a-hash"
            let malformed = try await client.unary(
                MethodCatalog.passwordsVerify.name, body: verify, token: server.adminToken)
            #expect(malformed.code == .invalidArgument)
            hash.password = ""
            let empty = try await client.unary(MethodCatalog.passwordsHash.name, body: hash, token: server.adminToken)
            #expect(empty.code == .invalidArgument)
        }
    }

    @Test("Totp/Generate then Totp/Verify with the sealed secret and with the raw secret")
    func totp() async throws {
        try await TestServer.with { server in
            let client = try await server.connect()
            var generate = Tessera_V1_GenerateTotpRequest()
            generate.issuer = "Acme"
            generate.account = "alice@example.com"
            generate.context = ["user_id": "42"]
            let generated = try await client.unary(
                MethodCatalog.totpGenerate.name, body: generate, token: server.adminToken)
            #expect(generated.code == .ok)
            let enrolment = try generated.decode(Tessera_V1_GenerateTotpResponse.self)
            #expect(enrolment.otpauthUri.hasPrefix("otpauth://totp/Acme:alice%40example.com?secret="))
            #expect(enrolment.qrPng.starts(with: [0x89, 0x50, 0x4E, 0x47]))
            #expect(!enrolment.sealedSecret.isEmpty)

            let secret = try TOTPSecret(base32: enrolment.secretBase32)
            let code = try TOTP.code(for: secret, at: Date())
            var verify = Tessera_V1_VerifyTotpRequest()
            verify.sealedSecret = enrolment.sealedSecret
            verify.context = ["user_id": "42"]
            verify.code = code
            let verified = try await client.unary(MethodCatalog.totpVerify.name, body: verify, token: server.adminToken)
            let match = try verified.decode(Tessera_V1_VerifyTotpResponse.self)
            #expect(match.valid)
            let step = try TOTP.timeStep(at: Date())
            // The code was made for the current step; a step boundary may have passed since.
            #expect(match.timeStep == step || match.timeStep + 1 == step)
            #expect(match.timeStep + 1 == step || (1...30).contains(match.expiresInSeconds))

            // The raw secret, lower case with spaces, works too.
            var raw = Tessera_V1_VerifyTotpRequest()
            raw.secretBase32 = enrolment.secretBase32.lowercased().enumerated()
                .map { $0.offset % 4 == 3 ? "\($0.element) " : "\($0.element)" }.joined()
            raw.code = code
            #expect(
                try await client.unary(MethodCatalog.totpVerify.name, body: raw, token: server.adminToken)
                    .decode(Tessera_V1_VerifyTotpResponse.self).valid)

            // A wrong code is OK/invalid; another context does not open; a malformed code is INVALID_ARGUMENT.
            verify.code = code == "000000" ? "111111" : "000000"
            let wrong = try await client.unary(MethodCatalog.totpVerify.name, body: verify, token: server.adminToken)
            #expect(wrong.code == .ok)
            #expect(try wrong.decode(Tessera_V1_VerifyTotpResponse.self).valid == false)
            verify.code = code
            verify.context = ["user_id": "43"]
            let moved = try await client.unary(MethodCatalog.totpVerify.name, body: verify, token: server.adminToken)
            #expect(moved.code == .invalidArgument)
            #expect(moved.status.message == CallError.sealedValueDoesNotOpen)
            verify.context = ["user_id": "42"]
            verify.code = "12ab56"
            #expect(
                try await client.unary(MethodCatalog.totpVerify.name, body: verify, token: server.adminToken).code
                    == .invalidArgument)

            // The sealed TOTP secret is bound to its purpose: Secrets/Open with the same context refuses it.
            var open = Tessera_V1_OpenRequest()
            open.sealed = enrolment.sealedSecret
            open.context = ["user_id": "42"]
            #expect(
                try await client.unary(MethodCatalog.secretsOpen.name, body: open, token: server.adminToken).code
                    == .invalidArgument)
        }
    }

    @Test("Secrets: Seal, Open, and the batch forms with per-item statuses")
    func secrets() async throws {
        try await TestServer.with { server in
            let client = try await server.connect()
            var seal = Tessera_V1_SealRequest()
            seal.plaintext = Data("sk-provider-key-1234".utf8)
            seal.context = ["user_id": "7", "provider": "openai"]
            let sealed = try await client.unary(MethodCatalog.secretsSeal.name, body: seal, token: server.adminToken)
                .decode(Tessera_V1_SealResponse.self).sealed
            var open = Tessera_V1_OpenRequest()
            open.sealed = sealed
            open.context = ["provider": "openai", "user_id": "7"]
            let opened = try await client.unary(MethodCatalog.secretsOpen.name, body: open, token: server.adminToken)
            #expect(try opened.decode(Tessera_V1_OpenResponse.self).plaintext == seal.plaintext)
            open.context = ["provider": "openai", "user_id": "8"]
            let refused = try await client.unary(MethodCatalog.secretsOpen.name, body: open, token: server.adminToken)
            #expect(refused.code == .invalidArgument)
            #expect(refused.status.message == CallError.sealedValueDoesNotOpen)

            var bad = Tessera_V1_SealRequest()
            bad.context = ["not a key!": "x"]
            var sealBatch = Tessera_V1_SealBatchRequest()
            sealBatch.items = [seal, bad, seal]
            let sealedBatch = try await client.unary(
                MethodCatalog.secretsSealBatch.name, body: sealBatch, token: server.adminToken)
            #expect(sealedBatch.code == .ok)
            let results = try sealedBatch.decode(Tessera_V1_SealBatchResponse.self).results
            #expect(results.map(\.status.statusCode) == [.ok, .invalidArgument, .ok])
            #expect(!results[1].status.message.contains("not a key"))

            var openBatch = Tessera_V1_OpenBatchRequest()
            var good = Tessera_V1_OpenRequest()
            good.sealed = results[2].sealed
            good.context = seal.context
            var tampered = good
            tampered.sealed[tampered.sealed.count - 1] ^= 1
            openBatch.items = [good, tampered]
            let openedBatch = try await client.unary(
                MethodCatalog.secretsOpenBatch.name, body: openBatch, token: server.adminToken
            )
            .decode(Tessera_V1_OpenBatchResponse.self).results
            #expect(openedBatch.map(\.status.statusCode) == [.ok, .invalidArgument])
            #expect(openedBatch[0].plaintext == seal.plaintext)
        }
    }

    @Test("Batches above the item limit fail as a whole with INVALID_ARGUMENT")
    func batchLimit() async throws {
        try await TestServer.with(configuration: .init(maxBatchItems: 2)) { server in
            let client = try await server.connect()
            var batch = Tessera_V1_SealBatchRequest()
            batch.items = Array(repeating: Tessera_V1_SealRequest(), count: 3)
            let reply = try await client.unary(
                MethodCatalog.secretsSealBatch.name, body: batch, token: server.adminToken)
            #expect(reply.code == .invalidArgument)
        }
    }

    @Test("A reply too large for a frame is RESOURCE_EXHAUSTED and the connection goes on")
    func replyTooLarge() async throws {
        try await TestServer.with(configuration: .init(maxFrameBytes: 4096)) { server in
            let client = try await server.connect()
            var batch = Tessera_V1_SealBatchRequest()
            var item = Tessera_V1_SealRequest()
            item.plaintext = Data([1])
            batch.items = Array(repeating: item, count: 60)
            let reply = try await client.unary(
                MethodCatalog.secretsSealBatch.name, body: batch, token: server.adminToken)
            #expect(reply.code == .resourceExhausted)
            let health = try await client.unary(MethodCatalog.healthCheck.name, token: server.adminToken)
            #expect(health.code == .ok)
        }
    }

    @Test("Health/Check reports SERVING with the keyring and Argon2 components")
    func health() async throws {
        try await TestServer.with { server in
            let client = try await server.connect()
            let reply = try await client.unary(MethodCatalog.healthCheck.name, token: server.healthOnlyToken)
            let health = try reply.decode(Tessera_V1_HealthCheckResponse.self)
            #expect(health.status == .serving)
            #expect(health.components.map(\.name) == ["keyring", "argon2"])
            #expect(health.components.allSatisfy { $0.status == .serving })
        }
    }

    @Test("A body that is not the request message is INVALID_ARGUMENT; ping is answered with pong")
    func invalidBodyAndPing() async throws {
        try await TestServer.with { server in
            let client = try await server.connect()
            let reply = try await client.unary(
                MethodCatalog.passwordsHash.name, body: Data([0xFF, 0xFF, 0xFF]), token: server.adminToken
            )
            #expect(reply.code == .invalidArgument)
            var ping = Tessera_Wire_V1_Ping()
            ping.payload = Data([1, 2, 3, 4, 5, 6, 7, 8])
            var frame = Tessera_Wire_V1_Frame()
            frame.kind = .ping(ping)
            try await client.send(frame)
            let pong = try #require(try await client.receive())
            guard case .pong(let answer) = pong.kind else {
                Issue.record("expected a pong, got \(pong)")
                return
            }
            #expect(answer.payload == ping.payload)
        }
    }

    @Test("The stateless router serves every method of the stateless services")
    func routerIsComplete() throws {
        let hasher = try PasswordHasher(configuration: .init(workers: 1))
        let services = StatelessServices(hasher: hasher, cipher: EnvelopeCipher(keyring: try Keyring.generate()))
        let stateless: Set<Substring> = [
            "tessera.v1.Passwords", "tessera.v1.Totp", "tessera.v1.Secrets", "tessera.v1.Health",
        ]
        #expect(
            services.router().registeredMethods
                == Set(MethodCatalog.all.filter { stateless.contains($0.service) }.map(\.name))
        )
    }
}
