import Foundation
import Testing

@testable import TesseraCrypto

@Suite("Keyring: versions, rotation, retirement, rewrap")
struct KeyringTests {
    typealias T = EnvelopeTestSupport

    let secret: [UInt8] = Array("totp-seed-JBSWY3DPEHPK3PXP".utf8)

    @Test("a new keyring has one active, locked, 32-byte version")
    func generate() throws {
        let keyring = try Keyring.generate()
        #expect(keyring.activeVersion == 1)
        #expect(keyring.keys.count == 1)
        #expect(keyring.activeKey.state == .active)
        #expect(keyring.activeKey.material.count == 32)
        #expect(keyring.activeKey.fingerprint?.count == 16)
    }

    @Test("descriptions and dumps show versions and fingerprints, never key material")
    func redaction() throws {
        var keyring = try Keyring.generate()
        try keyring.rotate()
        let materials = keyring.keys.map { T.hex(T.reveal($0.material)) }
        var dumped = ""
        dump(keyring, to: &dumped)
        for text in [keyring.description, "\(keyring.activeKey)", String(reflecting: keyring), dumped] {
            for material in materials {
                #expect(!text.contains(material))
                #expect(!text.contains(String(material.prefix(16))))
            }
        }
        #expect(keyring.description.contains("1 decrypt-only"))
        #expect(keyring.description.contains("2 active"))
        let fingerprint = try #require(keyring.activeKey.fingerprint)
        #expect(keyring.description.contains(fingerprint))
    }

    @Test("init refuses zero or two active versions and repeated version numbers")
    func initValidation() throws {
        let a = try MasterKey.generate(version: 1, state: .active)
        let b = try MasterKey.generate(version: 2, state: .active)
        let c = try MasterKey.generate(version: 2, state: .decryptOnly)
        let d = try MasterKey.generate(version: 1, state: .decryptOnly)
        #expect(throws: CryptoError(.keyringState, "")) { try Keyring(keys: []) }
        #expect(throws: CryptoError(.keyringState, "")) { try Keyring(keys: [a, b]) }
        #expect(throws: CryptoError(.keyringState, "")) { try Keyring(keys: [d, c]) }
        #expect(throws: CryptoError(.keyringState, "")) { try Keyring(keys: [a, d]) }
        #expect(try Keyring(keys: [c, a]).activeVersion == 1)
    }

    @Test("master keys must be 32 bytes and versions start at 1")
    func masterKeyValidation() {
        #expect(throws: CryptoError(.invalidParameter, "")) {
            try MasterKey(version: 1, material: .random(count: 16), state: .active)
        }
        #expect(throws: CryptoError(.invalidParameter, "")) { try MasterKey.generate(version: 0) }
    }

    @Test("after rotate, old envelopes open, new ones use the new version")
    func rotate() throws {
        var keyring = try Keyring.generate()
        let context = try T.context()
        let old = try keyring.seal(secret, context: context)
        let newKey = try keyring.rotate()
        #expect(newKey.version == 2)
        #expect(keyring.activeVersion == 2)
        #expect(keyring.key(version: 1)?.state == .decryptOnly)
        #expect(T.reveal(try keyring.open(old, context: context)) == secret)
        let fresh = try keyring.seal(secret, context: context)
        #expect(fresh.masterKeyVersion == 2)
        #expect(T.reveal(try keyring.open(fresh, context: context)) == secret)
        #expect(keyring.needsRewrap(old.wrappedKey))
        #expect(!keyring.needsRewrap(fresh.wrappedKey))
    }

    @Test("rewrap keeps the payload bytes identical and opens with the new version")
    func rewrap() throws {
        var keyring = try Keyring.generate()
        let context = try T.context()
        let original = try keyring.seal(secret, context: context)
        let storedPayload = original.payload.serialized
        try keyring.rotate()
        let rewrapped = try keyring.rewrap(original.wrappedKey, context: context)
        #expect(rewrapped.masterKeyVersion == 2)
        #expect(rewrapped != original.wrappedKey)
        let payload = try SealedPayload(serialized: storedPayload)
        #expect(payload.serialized == storedPayload)
        #expect(T.reveal(try keyring.open(wrappedKey: rewrapped, payload: payload, context: context)) == secret)
        // Once rewrapped, version 1 can be retired and the secret still opens.
        try keyring.retire(version: 1)
        #expect(T.reveal(try keyring.open(wrappedKey: rewrapped, payload: payload, context: context)) == secret)
        #expect(throws: CryptoError.authenticationFailure) { try keyring.open(original, context: context) }
        // Rewrapping a key already under the active version returns it unchanged.
        #expect(try keyring.rewrap(rewrapped, context: context) == rewrapped)
    }

    @Test("rewrap needs the right context and a retained version")
    func rewrapFailures() throws {
        var keyring = try Keyring.generate()
        let context = try T.context()
        let original = try keyring.seal(secret, context: context)
        try keyring.rotate()
        #expect(throws: CryptoError.authenticationFailure) {
            try keyring.rewrap(
                original.wrappedKey, context: EncryptionContext(["user_id": "43", "provider": "openai"]))
        }
        try keyring.retire(version: 1)
        #expect(throws: CryptoError.authenticationFailure) { try keyring.rewrap(original.wrappedKey, context: context) }
    }

    @Test("retire refuses the active version and unknown versions; a retired version no longer opens")
    func retire() throws {
        var keyring = try Keyring.generate()
        let context = try T.context()
        let old = try keyring.seal(secret, context: context)
        #expect(throws: CryptoError(.keyringState, "")) { try keyring.retire(version: 1) }
        #expect(throws: CryptoError(.unknownKeyVersion, "")) { try keyring.retire(version: 5) }
        try keyring.rotate()
        let retired = try keyring.retiring(version: 1)
        #expect(retired.key(version: 1)?.state == .retired)
        #expect(retired.key(version: 1)?.material.count == 0)
        #expect(retired.key(version: 1)?.fingerprint == keyring.key(version: 1)?.fingerprint)
        #expect(throws: CryptoError.authenticationFailure) { try retired.open(old, context: context) }
        #expect(T.reveal(try keyring.open(old, context: context)) == secret)  // the original value is unchanged
        // Retired numbers are never reused.
        var next = retired
        #expect(try next.rotate().version == 3)
        #expect(throws: CryptoError(.keyringState, "")) { try next.add(MasterKey.generate(version: 1)) }
    }

    @Test("adding an active version demotes the current one; adding a decrypt-only one does not")
    func adding() throws {
        let keyring = try Keyring.generate()
        let withOld = try keyring.adding(MasterKey.generate(version: 7, state: .decryptOnly))
        #expect(withOld.activeVersion == 1)
        let withNew = try withOld.adding(MasterKey.generate(version: 8, state: .active))
        #expect(withNew.activeVersion == 8)
        #expect(withNew.key(version: 1)?.state == .decryptOnly)
        #expect(withNew.keys.map(\.version) == [1, 7, 8])
        #expect(withNew.keys.filter { $0.state == .active }.count == 1)
    }

    @Test("EnvelopeCipher swaps keyrings atomically and keeps opening older envelopes")
    func cipherSwap() async throws {
        let cipher = EnvelopeCipher(keyring: try Keyring.generate())
        let context = try T.context()
        let first = try cipher.seal(secret, context: context)
        let rotated = try cipher.keyring.rotated()
        cipher.replaceKeyring(rotated)
        #expect(cipher.keyring.activeVersion == 2)
        #expect(T.reveal(try cipher.open(serialized: first.serialized, context: context)) == secret)
        let newKey = try cipher.update { try $0.rotate() }
        #expect(newKey.version == 3)
        #expect(throws: CryptoError(.keyringState, "")) { try cipher.update { try $0.retire(version: 3) } }
        #expect(cipher.keyring.activeVersion == 3)
        // Concurrent seals and opens while the keyring rotates.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<8 {
                group.addTask {
                    if index == 0 {
                        for _ in 0..<5 { try cipher.update { try $0.rotate() } }
                    }
                    for _ in 0..<20 {
                        let envelope = try cipher.seal(self.secret, context: context)
                        #expect(T.reveal(try cipher.open(envelope, context: context)) == self.secret)
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(cipher.keyring.activeVersion == 8)
        let rewrapped = try cipher.rewrap(first.wrappedKey, context: context)
        #expect(rewrapped.masterKeyVersion == 8)
    }

    @Test("the committed development key loads, is marked, and has the documented fingerprint")
    func developmentKey() throws {
        let url = Interop.repositoryRoot.appendingPathComponent(DevelopmentKeyring.defaultRelativePath)
        let dev = try DevelopmentKeyring.load(from: url)
        #expect(dev.isDevelopmentKey)
        #expect(dev.version == 1)
        #expect(DevelopmentKeyring.committedFingerprints.contains(dev.fingerprint))
        #expect(dev.keyring.activeKey.fingerprint == dev.fingerprint)
        #expect(!dev.description.contains(T.hex(T.reveal(dev.keyring.activeKey.material))))
        let context = try T.context()
        let envelope = try dev.keyring.seal(secret, context: context)
        #expect(T.reveal(try dev.keyring.open(envelope, context: context)) == secret)
    }

    @Test("key files: production purpose is not marked unless it is the committed key; bad files are refused")
    func keyFileParsing() throws {
        let material = SecureRandom.bytes(count: 32)
        let base64 = Data(material).base64EncodedString()
        let production = try DevelopmentKeyring(parsing: "purpose=production\nversion=3\nkey=\(base64)\n")
        #expect(!production.isDevelopmentKey)
        #expect(production.version == 3)
        let withHeader = try DevelopmentKeyring(
            parsing: "\(DevelopmentKeyring.header)\r\npurpose=production\r\nversion=3\r\nkey=\(base64)\r\n"
        )
        #expect(withHeader.isDevelopmentKey)
        let committed = try String(
            contentsOf: Interop.repositoryRoot.appendingPathComponent(DevelopmentKeyring.defaultRelativePath),
            encoding: .utf8
        )
        let laundered = committed.split(separator: "\n").filter { !$0.hasPrefix("#") }
            .map { $0 == "purpose=development" ? "purpose=production" : String($0) }.joined(separator: "\n")
        #expect(try DevelopmentKeyring(parsing: laundered).isDevelopmentKey)

        let bad = [
            "", "purpose=development\nversion=1\n", "purpose=test\nversion=1\nkey=\(base64)",
            "purpose=development\nversion=0\nkey=\(base64)", "purpose=development\nversion=x\nkey=\(base64)",
            "purpose=development\nversion=1\nkey=\(Data(material.prefix(16)).base64EncodedString())",
            "purpose=development\nversion=1\nkey=not base64!",
            "purpose=development\nversion=1\nversion=1\nkey=\(base64)",
            "purpose=development\nversion=1\nkey=\(base64)\nextra=1", "purpose=development\nversion=1\n\(base64)",
        ]
        for text in bad {
            do {
                _ = try DevelopmentKeyring(parsing: text)
                Issue.record("a malformed key file was accepted")
            } catch let error as CryptoError {
                #expect(error.code == .malformedSecret)
                #expect(!error.message.contains(base64))
                #expect(!error.message.contains(String(base64.prefix(20))))
            }
        }
        #expect(throws: CryptoError(.invalidParameter, "")) {
            try DevelopmentKeyring.load(from: URL(fileURLWithPath: "/nonexistent/tessera/master-key.dev"))
        }
    }
}
