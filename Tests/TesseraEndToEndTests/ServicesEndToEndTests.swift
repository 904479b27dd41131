import Foundation
import TesseraClient
import TesseraCrypto
import TesseraWire
import Testing

/// Every method through the typed client API, against the real server over a real socket.
@Suite("End to end: every method through TesseraClient")
struct ServicesEndToEndTests {
    @Test("Passwords/Hash and Verify: valid, invalid, and needs_rehash with a fresh hash")
    func passwords() async throws {
        try await Harness.with { harness in
            let client = try harness.client(token: harness.adminToken)
            let phc = try await client.hashPassword("correct horse battery staple")
            #expect(phc.hasPrefix("$argon2id$v=19$m=19456,t=2,p=1$"))

            let good = try await client.verifyPassword("correct horse battery staple", against: phc)
            #expect(good == .init(isValid: true, needsRehash: false, newHash: nil))
            let bad = try await client.verifyPassword("Tr0ub4dor&3", against: phc)
            #expect(!bad.isValid && bad.newHash == nil)

            // A weaker hash (t=1) of the same password: valid, needs a rehash, and comes with a fresh hash under
            // the server's policy, which verifies.
            let weak = try PasswordHasher(configuration: .init(policy: try PasswordPolicy(iterations: 1), workers: 1))
            let weakPHC = try await weak.hash("correct horse battery staple")
            try await weak.shutdown()
            let upgraded = try await client.verifyPassword("correct horse battery staple", against: weakPHC)
            #expect(upgraded.isValid && upgraded.needsRehash)
            let fresh = try #require(upgraded.newHash)
            #expect(fresh.hasPrefix("$argon2id$v=19$m=19456,t=2,p=1$"))
            #expect(try await harness.hasher.verify("correct horse battery staple", against: fresh).isValid)
            await client.shutdown()
        }
    }

    @Test("Totp/Generate then Verify with the sealed secret and with the raw secret, codes from TOTP.code")
    func totp() async throws {
        try await Harness.with { harness in
            let client = try harness.client(token: harness.adminToken)
            let context = ["tenant": "acme", "user": "42"]
            let enrolment = try await client.generateTotp(
                issuer: "Tessera", account: "alice@example.com", context: context)
            #expect(enrolment.otpauthURI.hasPrefix("otpauth://totp/"))
            #expect(enrolment.qrPNG.starts(with: [0x89, 0x50, 0x4E, 0x47]))
            #expect(!enrolment.sealedSecret.isEmpty)

            let secret = try TOTPSecret(base32: enrolment.secretBase32)
            let code = try TOTP.code(for: secret, at: Date())
            let sealedCheck = try await client.verifyTotp(
                code: code, sealedSecret: enrolment.sealedSecret, context: context
            )
            #expect(sealedCheck.isValid)
            #expect(sealedCheck.timeStep > 0)
            #expect(sealedCheck.expiresIn <= .seconds(60))
            let rawCheck = try await client.verifyTotp(code: code, secretBase32: enrolment.secretBase32)
            #expect(rawCheck.isValid)

            // A code from far in the past is refused.
            let stale = TOTP.code(for: secret, timeStep: 1)
            if stale != code {
                let refused = try await client.verifyTotp(
                    code: stale, sealedSecret: enrolment.sealedSecret, context: context
                )
                #expect(!refused.isValid)
            }
            // The sealed secret is bound to its context.
            let wrongContext = await #expect(throws: TesseraClientError.self) {
                _ = try await client.verifyTotp(
                    code: code, sealedSecret: enrolment.sealedSecret, context: ["tenant": "other", "user": "42"]
                )
            }
            #expect(wrongContext?.code == .status(.invalidArgument))
            await client.shutdown()
        }
    }

    @Test("Secrets/Seal, Open and the batch forms, with one failing item that does not fail the batch")
    func secrets() async throws {
        try await Harness.with { harness in
            let client = try harness.client(token: harness.adminToken)
            let context = ["purpose": "e2e"]
            let plaintext = Array("a 64-byte secret, sealed by the server over a real socket......!".utf8)
            let sealed = try await client.seal(plaintext, context: context)
            #expect(sealed != plaintext)
            #expect(try await client.open(sealed, context: context) == plaintext)
            await #expect(throws: TesseraClientError.self) {
                _ = try await client.open(sealed, context: ["purpose": "other"])
            }

            let items = (0..<3).map { TesseraClient.BatchItem(Array("item \($0)".utf8), context: context) }
            let sealedItems = try await client.sealBatch(items).map { try $0.get() }
            #expect(sealedItems.count == 3)
            var toOpen = sealedItems.map { TesseraClient.BatchItem($0, context: context) }
            toOpen[1] = TesseraClient.BatchItem([0x00, 0x01, 0x02], context: context)  // not an envelope
            let opened = try await client.openBatch(toOpen)
            #expect(opened.count == 3)
            #expect(try opened[0].get() == Array("item 0".utf8))
            #expect(try opened[2].get() == Array("item 2".utf8))
            guard case .failure(let failure) = opened[1] else {
                Issue.record("the damaged item opened")
                return
            }
            #expect(failure.code.serverStatus != nil)
            await client.shutdown()
        }
    }

    @Test("Secrets/Rewrap moves a value to the active version with the payload untouched; old versions then retire")
    func rewrap() async throws {
        try await Harness.with { harness in
            let client = try harness.client(token: harness.adminToken)
            let context = ["user_id": "42", "provider": "openai"]
            let plaintext = Array("sk-live-rewrapped".utf8)
            let sealed = try await client.seal(plaintext, context: context)
            let unchanged = try await client.rewrap(sealed, context: context)
            #expect(!unchanged.changed && unchanged.sealed == sealed && unchanged.keyVersion == 1)

            // The operator rotates: new seals use version 2, the stored value is still on version 1.
            _ = try harness.cipher.update { try $0.rotate() }
            let moved = try await client.rewrap(sealed, context: context)
            #expect(moved.changed && moved.keyVersion == 2)
            let before = try SealedEnvelope(serialized: sealed)
            let after = try SealedEnvelope(serialized: moved.sealed)
            #expect(after.masterKeyVersion == 2 && before.masterKeyVersion == 1)
            #expect(after.payload == before.payload, "the payload is not re-encrypted")
            #expect(try await client.open(moved.sealed, context: context) == plaintext)

            // Version 1 retired: the old value is gone for good, the rewrapped one still opens.
            try harness.cipher.update { try $0.retire(version: 1) }
            #expect(try await client.open(moved.sealed, context: context) == plaintext)
            let retired = await #expect(throws: TesseraClientError.self) {
                _ = try await client.open(sealed, context: context)
            }
            #expect(retired?.code == .status(.invalidArgument))

            // Wrong context, garbage and a retired version fail alike, as Open does.
            var reasons: Set<String> = []
            for (value, valueContext) in [
                (moved.sealed, ["user_id": "43"]), ([0x01, 0x02], context), (sealed, context),
            ] {
                let error = await #expect(throws: TesseraClientError.self) {
                    _ = try await client.rewrap(value, context: valueContext)
                }
                #expect(error?.code == .status(.invalidArgument))
                reasons.insert(error?.message ?? "")
            }
            #expect(reasons.count == 1, "every failure reads the same: \(reasons)")
            await client.shutdown()
        }
    }

    @Test("Health/Check reports serving")
    func health() async throws {
        try await Harness.with { harness in
            let client = try harness.client(token: harness.healthOnlyToken)
            let report = try await client.health()
            #expect(report.isServing)
            await client.shutdown()
        }
    }
}
