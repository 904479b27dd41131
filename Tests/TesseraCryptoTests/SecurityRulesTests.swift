import Foundation
import Testing

@testable import TesseraCrypto

/// Crypto-level evidence for DESIGN.md's "Security rules (non-negotiable)", one suite per rule.
///
/// Secrets here are spelled with a marker (`SECRET-MARKER-123`) so that any rendering which leaks them — as text,
/// hex, base64, base32, an array literal or a `dump` of the bytes — is caught by a plain substring search.
enum SecurityRules {
    /// The marker every secret input in these tests contains.
    static let marker = "SECRET-MARKER-123"
    /// 32 bytes (an AES-256 key, a TOTP secret, a pepper) spelling the marker.
    static let markerKey = Array("SECRET-MARKER-123-SECRET-MARKER-".utf8)

    /// Every way `value` can end up in a log line: description, debug description, interpolation and `dump`.
    static func renderings(of value: Any) -> [String] {
        var dumped = ""
        dump(value, to: &dumped)
        return [String(describing: value), String(reflecting: value), "\(value)", dumped]
    }

    /// The spellings of `secret` a leak would show.
    static func spellings(of secret: [UInt8]) -> [String] {
        let base64 = Data(secret).base64EncodedString()
        return [
            EnvelopeTestSupport.hex(secret), EnvelopeTestSupport.hex(secret).uppercased(), base64,
            String(base64.prefix { $0 != "=" }), Base32.encode(secret), String(describing: secret),
            String(decoding: secret, as: UTF8.self),
        ].filter { $0.count >= 8 }
    }

    /// The first bytes of `secret` as `dump` lists an array's elements, with spaces removed (indentation varies).
    static func dumpedElements(of secret: [UInt8]) -> String {
        secret.prefix(4).map { "-\($0)\n" }.joined()
    }

    /// Records an issue for every rendering of `value` that shows `secret` or one of `texts`.
    static func expectRedacted(
        _ value: Any,
        secret: [UInt8],
        texts: [String] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let forbidden = spellings(of: secret) + texts + [marker, dumpedElements(of: secret)]
        for rendering in renderings(of: value) {
            let compact = rendering.replacingOccurrences(of: " ", with: "")
            for spelling in forbidden
            where rendering.localizedCaseInsensitiveContains(spelling) || compact.contains(spelling) {
                Issue.record("rendering shows a secret: \(rendering.prefix(300))", sourceLocation: sourceLocation)
            }
        }
    }

    /// Runs `body`, requires a ``CryptoError``, and checks that nothing it says repeats `markers`.
    static func expectNoEcho(
        _ markers: [String] = [marker],
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () throws -> Void
    ) {
        do {
            try body()
            Issue.record("expected a CryptoError", sourceLocation: sourceLocation)
        } catch let error as CryptoError {
            let texts = [error.message, error.description, String(reflecting: error), "\(error)"]
            for text in texts {
                for marker in markers {
                    #expect(
                        !text.localizedCaseInsensitiveContains(marker), "error echoes its input: \(text)",
                        sourceLocation: sourceLocation
                    )
                }
            }
        } catch {
            Issue.record("expected a CryptoError, got \(type(of: error))", sourceLocation: sourceLocation)
        }
    }
}

/// Every public type that holds a secret, for the table-driven redaction test.
enum SecretBearer: String, CaseIterable, Sendable {
    case secretBytes, lockedSecretBytes, totpSecret, opaqueToken, pepper, hasherConfiguration, masterKey, keyring
    case envelopeCipher, developmentKeyring, otpauthURI, totpEnrolment, qrCode, phcString

    /// The value, the secret bytes it holds, and further spellings of the secret that must not show.
    func make() throws -> (value: Any, secret: [UInt8], texts: [String]) {
        let key = SecurityRules.markerKey
        let totpSecret = try TOTPSecret(bytes: SecretBytes(copying: key))
        switch self {
        case .secretBytes:
            return (SecretBytes(copying: key), key, [])
        case .lockedSecretBytes:
            return (SecretBytes(copying: key, locked: true), key, [])
        case .totpSecret:
            return (totpSecret, key, [totpSecret.revealBase32()])
        case .opaqueToken:
            let token = OpaqueToken.generate(.refresh)
            let body = String(token.reveal().dropFirst(TokenFormat.prefixLength))
            return (token, Array(token.reveal().utf8), [body])
        case .pepper:
            return (try Pepper(id: "pep1", key: SecretBytes(copying: key)), key, [])
        case .hasherConfiguration:
            let pepper = try Pepper(id: "pep1", key: SecretBytes(copying: key))
            return (PasswordHasher.Configuration(pepper: pepper, retiredPeppers: [pepper]), key, [])
        case .masterKey:
            return (try MasterKey(version: 1, material: SecretBytes(copying: key), state: .active), key, [])
        case .keyring:
            return (try EnvelopeTestSupport.keyring(material: key), key, [])
        case .envelopeCipher:
            return (EnvelopeCipher(keyring: try EnvelopeTestSupport.keyring(material: key)), key, [])
        case .developmentKeyring:
            let text = "purpose=development\nversion=1\nkey=\(Data(key).base64EncodedString())\n"
            return (try DevelopmentKeyring(parsing: text), key, [])
        case .otpauthURI:
            let uri = try OTPAuthURI(secret: totpSecret, issuer: "Tessera", account: "alice@example.com")
            return (uri, key, [totpSecret.revealBase32(), uri.revealString()])
        case .totpEnrolment:
            let enrolment = try TOTPEnrolment(secret: totpSecret, issuer: "Tessera", account: "alice@example.com")
            // The PNG is a picture of the secret: its bytes must not be listed either.
            let texts = [totpSecret.revealBase32(), SecurityRules.dumpedElements(of: enrolment.qrPNG)]
            return (enrolment, key, texts)
        case .qrCode:
            let uri = try OTPAuthURI(secret: totpSecret, issuer: "Tessera", account: "alice@example.com")
            return (try QRCode(encoding: uri.revealString()), key, [totpSecret.revealBase32()])
        case .phcString:
            // The hash lets an attacker guess the password offline: it is as sensitive as a key in a log.
            let salt = Array("salt-SECRET-MARKER-123".utf8.prefix(16))
            let phc = try PHCString(
                algorithm: .argon2id, memoryKiB: 19_456, iterations: 2, parallelism: 1, salt: salt, hash: key
            )
            return (phc, key, [PHCBase64.encode(salt), SecurityRules.dumpedElements(of: salt)])
        }
    }
}

@Suite("Security rule: no secret in a log line or an error message")
struct SecurityRulesNoSecretInOutputTests {
    typealias R = SecurityRules

    @Test(
        "description, debugDescription, interpolation and dump of every secret-bearing type are redacted",
        arguments: SecretBearer.allCases
    )
    func redacted(_ bearer: SecretBearer) throws {
        let (value, secret, texts) = try bearer.make()
        R.expectRedacted(value, secret: secret, texts: texts)
    }

    @Test("password errors never repeat the password")
    func passwordErrors() async throws {
        let policy = try Argon2Fixtures.fastPolicy(maxPasswordBytes: 64)
        try await Argon2Fixtures.withHasher(policy: policy, workers: 1) { hasher in
            R.expectNoEcho { _ = try hasher.hashSync(R.marker + "\u{0}") }
            R.expectNoEcho { _ = try hasher.hashSync(String(repeating: R.marker, count: 5)) }
            R.expectNoEcho { _ = try hasher.hashSync(String(repeating: R.marker, count: 50)) }
            let stored = try hasher.hashSync("correct horse")
            R.expectNoEcho { _ = try hasher.verifySync(R.marker + "\u{0}", against: stored) }
            await #expect(throws: CryptoError(.invalidPassword, "")) {
                try await hasher.verify(String(repeating: R.marker, count: 5), against: stored)
            }
        }
    }

    @Test("PHC string errors never repeat the string (it may hold a hash, or a password pasted by mistake)")
    func phcErrors() async throws {
        let salt = "c2FsdHNhbHRzYWx0c2FsdA"
        let hash = PHCBase64.encode(Array(repeating: 7, count: 32))
        let hostile = [
            R.marker,
            "$\(R.marker)$v=19$m=65536,t=2,p=1$\(salt)$\(hash)",
            "$secret-marker-123$v=19$m=65536,t=2,p=1$\(salt)$\(hash)",
            "$argon2id$v=\(R.marker)$m=65536,t=2,p=1$\(salt)$\(hash)",
            "$argon2id$v=19$m=\(R.marker),t=2,p=1$\(salt)$\(hash)",
            "$argon2id$v=19$\(R.marker)=1,t=2,p=1$\(salt)$\(hash)",
            "$argon2id$v=19$m=65536,t=2,p=1,\(R.marker)$\(salt)$\(hash)",
            "$argon2id$v=19$m=65536,t=2,p=1$\(R.marker)$\(hash)",
            "$argon2id$v=19$m=65536,t=2,p=1$\(salt)$\(R.marker)",
            "$argon2id$v=19$m=65536,t=2,p=1$\(salt)$\(hash)$\(R.marker)",
            String(repeating: R.marker, count: 40),
        ]
        try await Argon2Fixtures.withHasher(policy: Argon2Fixtures.fastPolicy(), workers: 1) { hasher in
            for phc in hostile {
                R.expectNoEcho { _ = try PHCString(parsing: phc) }
                R.expectNoEcho { _ = try hasher.verifySync("password", against: phc) }
                R.expectNoEcho { _ = try hasher.needsRehash(phc) }
            }
            // A pepper id is public, but the failure to find it still names no input.
            let peppered = "$argon2id$v=19$m=65536,t=2,p=1,keyid=\(R.marker)$\(salt)$\(hash)"
            R.expectNoEcho { _ = try hasher.verifySync("password", against: peppered) }
        }
    }

    @Test("token errors never repeat the token")
    func tokenErrors() throws {
        let body = "SECRETMARKER123"
        func padded(_ text: String) -> String {
            text + String(repeating: "A", count: max(0, TokenFormat.tokenLength - text.utf8.count))
        }
        let hostile: [String] = [
            R.marker, padded("tsr_" + R.marker), padded("tsr_" + body), padded("tsi_" + body), padded(body),
            padded("tsr_" + body + "é"), padded(" tsr_" + body), padded("tsr_" + body) + "\n",
        ]
        for token in hostile {
            R.expectNoEcho([R.marker, body]) { _ = try OpaqueToken.parse(token, expecting: .refresh) }
        }
        R.expectNoEcho { _ = try TokenDigest(hex: R.marker) }
        R.expectNoEcho { _ = try TokenDigest(hex: String(repeating: R.marker, count: 4).prefix(64).description) }
    }

    @Test("base32 and TOTP errors never repeat the secret or the code")
    func totpErrors() throws {
        let lettersOnly = "SECRETMARKERONETWOTHREE"
        R.expectNoEcho { _ = try TOTPSecret(base32: R.marker) }
        R.expectNoEcho([lettersOnly]) { _ = try TOTPSecret(base32: lettersOnly) }
        R.expectNoEcho([lettersOnly]) { _ = try TOTPSecret(base32: lettersOnly + "=") }
        R.expectNoEcho([lettersOnly]) { _ = try TOTPSecret(base32: String(repeating: lettersOnly, count: 20)) }
        R.expectNoEcho { _ = try Base32.decode(R.marker + "====", allowPadding: true) }
        R.expectNoEcho {
            _ = try OTPAuthURI(secret: .generate(for: .sha1), issuer: R.marker + "\u{7}", account: "a")
        }
        R.expectNoEcho { _ = try QRCode(encoding: R.marker + "\u{0}") }
        // A malformed code is an outcome, not an error: nothing to echo at all.
        let secret = try TOTPSecret(bytes: SecretBytes(copying: R.markerKey))
        #expect(try TOTP.verify(code: R.marker, secret: secret) == nil)
    }

    @Test("envelope and key errors never repeat plaintexts, context values or key material")
    func envelopeErrors() throws {
        let keyring = try EnvelopeTestSupport.keyring(material: Array(repeating: 1, count: 32))
        let longValue = String(repeating: R.marker, count: 61)
        R.expectNoEcho { _ = try EncryptionContext(["user_id": longValue]) }
        R.expectNoEcho { _ = try EncryptionContext(["": R.marker]) }
        R.expectNoEcho { _ = try EncryptionContext(["bad key": R.marker]) }
        R.expectNoEcho { _ = try EncryptionContext(entries: [("k", R.marker), ("k", R.marker)]) }
        R.expectNoEcho { _ = try EncryptionContext(entries: (0..<17).map { ("k\($0)", R.marker) }) }

        let context = try EncryptionContext(["user_id": R.marker])
        let sealed = try keyring.seal(Array(R.marker.utf8), context: context)
        let otherContext = try EncryptionContext(["user_id": R.marker + "-other"])
        R.expectNoEcho { _ = try keyring.open(sealed, context: otherContext) }
        R.expectNoEcho { _ = try keyring.open(serialized: Array(R.marker.utf8), context: context) }
        let tooLong = Array(repeating: 0x41, count: 70_000) + Array(R.marker.utf8)
        R.expectNoEcho { _ = try keyring.seal(tooLong, context: context) }
        R.expectNoEcho {
            _ = try MasterKey(version: 1, material: SecretBytes(copying: Array(R.marker.utf8)), state: .active)
        }
        R.expectNoEcho(["SECRET-MARKER"]) {
            _ = try Pepper(id: "pep1", key: SecretBytes(copying: Array("SECRET-MARKER".utf8)))
        }

        let encodedMarker = Data(R.markerKey).base64EncodedString()
        for file in [
            "purpose=development\nversion=1\nkey=\(R.marker)\n",
            "purpose=development\nversion=1\nkey=\(Data(R.marker.utf8).base64EncodedString())\n",
            "purpose=development\nversion=\(R.marker)\nkey=\(encodedMarker)\n",
            "purpose=\(R.marker)\nversion=1\nkey=\(encodedMarker)\n",
            "\(R.marker)\n",
            "\(R.marker)=\(encodedMarker)\n",
            "key=\(encodedMarker)\nkey=\(encodedMarker)\n",
        ] {
            R.expectNoEcho([R.marker, encodedMarker]) { _ = try DevelopmentKeyring(parsing: file) }
        }
    }
}

@Suite("Security rule: secrets compare in constant time, key material is zeroed and locked")
struct SecurityRulesMemoryTests {
    @Test("equality of secret-bearing values looks at every byte: a difference first or last is seen")
    func equalityComparesAllBytes() throws {
        let base = SecurityRules.markerKey
        var first = base
        first[0] ^= 1
        var last = base
        last[base.count - 1] ^= 1
        for other in [first, last] {
            #expect(SecretBytes(copying: base) != SecretBytes(copying: other))
            #expect(
                try TOTPSecret(bytes: SecretBytes(copying: base)) != TOTPSecret(bytes: SecretBytes(copying: other))
            )
            #expect(try TokenDigest(rawBytes: base) != TokenDigest(rawBytes: other))
            #expect(!ConstantTime.equals(base, other))
        }
        #expect(SecretBytes(copying: base) == SecretBytes(copying: base))
        #expect(try TokenDigest(rawBytes: base) == TokenDigest(rawBytes: base))
        let token = OpaqueToken.generate(.refresh)
        #expect(try OpaqueToken.parse(token.reveal(), expecting: .refresh) == token)
        #expect(OpaqueToken.generate(.refresh) != token)
    }

    @Test("master keys sit in locked memory wherever they come from, when the platform grants locking")
    func masterKeysLocked() throws {
        let platformLocks = SecretBytes(copying: [1], locked: true).isLocked
        try #require(platformLocks, "RLIMIT_MEMLOCK refuses even one page; nothing to check")
        #expect(try MasterKey.generate(version: 1).material.isLocked)
        let material = SecretBytes(copying: SecurityRules.markerKey)
        #expect(!material.isLocked)
        let imported = try MasterKey(version: 2, material: material, state: .active)
        #expect(imported.material.isLocked)
        #expect(EnvelopeTestSupport.reveal(imported.material) == SecurityRules.markerKey)
        let text = "purpose=development\nversion=1\nkey=\(Data(SecurityRules.markerKey).base64EncodedString())\n"
        #expect(try DevelopmentKeyring(parsing: text).keyring.activeKey.material.isLocked)
        #expect(try Keyring.generate().rotated().keys.allSatisfy { $0.material.isLocked })
    }

    @Test("a retired master key holds no material")
    func retiredKeyDropsMaterial() throws {
        let keyring = try Keyring.generate().rotated().retiring(version: 1)
        #expect(keyring.key(version: 1)?.material.isEmpty == true)
    }
}

@Suite("Security rule: OS randomness, a fresh DEK and a random 96-bit nonce per encryption")
struct SecurityRulesRandomnessTests {
    @Test("1000 seals of the same plaintext: every nonce, wrapped DEK and ciphertext differs")
    func noncesNeverRepeat() throws {
        let keyring = try Keyring.generate()
        let context = try EncryptionContext(["user_id": "42"])
        var payloadNonces = Set<[UInt8]>()
        var wrapNonces = Set<[UInt8]>()
        var wrappedKeys = Set<[UInt8]>()
        var ciphertexts = Set<[UInt8]>()
        for _ in 0..<1000 {
            let sealed = try keyring.seal(Array("the same secret".utf8), context: context)
            #expect(sealed.payload.nonce.count == 12 && sealed.wrappedKey.nonce.count == 12)
            payloadNonces.insert(sealed.payload.nonce)
            wrapNonces.insert(sealed.wrappedKey.nonce)
            wrappedKeys.insert(sealed.wrappedKey.encryptedKey)
            ciphertexts.insert(sealed.payload.ciphertext)
        }
        #expect(payloadNonces.count == 1000)
        #expect(wrapNonces.count == 1000)
        #expect(payloadNonces.isDisjoint(with: wrapNonces))
        #expect(wrappedKeys.count == 1000)
        #expect(ciphertexts.count == 1000)
    }

    @Test("tokens, TOTP secrets, keys and password salts never repeat")
    func otherRandomValues() async throws {
        #expect(Set((0..<1000).map { _ in OpaqueToken.generate(.refresh).reveal() }).count == 1000)
        #expect(Set((0..<1000).map { _ in TOTPSecret.generate(for: .sha1).revealBase32() }).count == 1000)
        #expect(Set((0..<1000).map { _ in EnvelopeTestSupport.reveal(.random(count: 32)) }).count == 1000)
        let salts = try await Argon2Fixtures.withHasher(policy: Argon2Fixtures.fastPolicy(), workers: 1) { hasher in
            try (0..<20).map { _ in try PHCString(parsing: hasher.hashSync("same password")).salt }
        }
        #expect(Set(salts).count == 20)
    }
}

@Suite("Security rule: the development root key is marked as such")
struct SecurityRulesDevelopmentKeyTests {
    @Test("the committed key file is marked three ways and recognised even with its markers edited out")
    func committedKeyMarked() throws {
        let url = Interop.repositoryRoot.appendingPathComponent(DevelopmentKeyring.defaultRelativePath)
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.hasPrefix(DevelopmentKeyring.header + "\n"))
        #expect(text.contains("\npurpose=development\n"))
        let loaded = try DevelopmentKeyring.load(from: url)
        #expect(loaded.isDevelopmentKey)
        #expect(DevelopmentKeyring.committedFingerprints.contains(loaded.fingerprint))

        let laundered = text.split(separator: "\n")
            .filter { !$0.hasPrefix("#") }
            .map { $0 == "purpose=development" ? "purpose=production" : String($0) }
            .joined(separator: "\n")
        #expect(try DevelopmentKeyring(parsing: laundered).isDevelopmentKey)

        let readme = try String(
            contentsOf: Interop.repositoryRoot.appendingPathComponent("keys-dev/README.md"), encoding: .utf8
        )
        #expect(readme.contains("FOR DEVELOPMENT ONLY"))
    }

    @Test("a fresh production key file is not taken for the development key")
    func productionKeyNotMarked() throws {
        let key = Data(SecretBytes.random(count: 32).withUnsafeBytes { Array($0) }).base64EncodedString()
        let loaded = try DevelopmentKeyring(parsing: "purpose=production\nversion=3\nkey=\(key)\n")
        #expect(!loaded.isDevelopmentKey)
        #expect(loaded.version == 3)
    }
}

@Suite("Security rule: malformed input is refused before any work, never with unbounded memory")
struct SecurityRulesBoundedInputTests {
    /// The ``CryptoError`` `body` throws, or an issue when it throws nothing or something else.
    private func cryptoError(_ body: () throws -> Void) -> CryptoError? {
        do {
            try body()
            Issue.record("expected a CryptoError")
        } catch let error as CryptoError {
            return error
        } catch {
            Issue.record("expected a CryptoError, got \(type(of: error))")
        }
        return nil
    }

    @Test("oversized secrets, hashes and tokens are refused on their length alone")
    func oversizedInputRefusedByLength() throws {
        // Not one valid base32 symbol: a decoder that ran first would complain about the characters instead.
        let huge = String(repeating: "!", count: 1_000_000)
        let base32 = cryptoError { _ = try TOTPSecret(base32: huge) }
        #expect(base32?.code == .malformedSecret)
        #expect(base32?.message.contains("16 to 128 bytes") == true, "\(base32?.message ?? "")")
        let phc = cryptoError { _ = try PHCString(parsing: huge) }
        #expect(phc?.code == .malformedHash)
        #expect(phc?.message.contains("too long") == true, "\(phc?.message ?? "")")
        let token = cryptoError { _ = try OpaqueToken.parse(huge, expecting: .refresh) }
        #expect(token?.code == .malformedToken)
        #expect(token?.message.contains("length") == true, "\(token?.message ?? "")")
        // A key file path that names an endless device is refused after a few KiB, not read until memory runs out.
        let device = cryptoError { _ = try DevelopmentKeyring.load(from: URL(fileURLWithPath: "/dev/zero")) }
        #expect(device?.code == .invalidParameter)
        #expect(device?.message.contains("too large") == true, "\(device?.message ?? "")")
        // The longest secret accepted is still accepted, padded or not.
        let longest = SecurityRules.markerKey + Array(repeating: 7, count: 96)
        #expect(try TOTPSecret(base32: Base32.encode(longest)).byteCount == TOTPSecret.maximumByteCount)
        let padded = Base32.encode(longest) + "==="
        #expect(try TOTPSecret(base32: padded, allowPadding: true).byteCount == TOTPSecret.maximumByteCount)
    }
}
