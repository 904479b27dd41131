import Testing

@testable import TesseraCrypto

@Suite("Opaque tokens: format, checksum, parsing, digests")
struct TokenTests {
    typealias T = EnvelopeTestSupport

    static let base62 = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

    @Test("CRC-32 matches the standard check value and zlib")
    func crc32() {
        #expect(TokenCRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(TokenCRC32.checksum([UInt8]()) == 0)
        #expect(TokenCRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
    }

    @Test(
        "generated tokens have the kind's prefix, 53 base62 characters and a valid checksum",
        arguments: TokenKind.allCases
    )
    func generate(_ kind: TokenKind) throws {
        let token = OpaqueToken.generate(kind)
        let string = token.reveal()
        #expect(string.count == 53)
        #expect(string.hasPrefix(kind.prefix))
        #expect(string.dropFirst(4).allSatisfy { Self.base62.contains($0) })
        #expect(try OpaqueToken.parse(string, expecting: kind) == token)
        #expect(TokenKind(prefixOf: string) == kind)
        #expect(token.kind == kind)
    }

    @Test("tokens are unique and their bodies use the whole alphabet")
    func randomness() {
        let tokens = (0..<2000).map { _ in OpaqueToken.generate(.refresh).reveal() }
        #expect(Set(tokens).count == tokens.count)
        var counts: [Character: Int] = [:]
        for token in tokens {
            for character in token.dropFirst(4).prefix(43) { counts[character, default: 0] += 1 }
        }
        #expect(counts.count == 62)
        // 86,000 draws over 62 symbols: about 1387 each; a biased mapping would skew the low digits far more.
        #expect(counts.values.allSatisfy { (1150...1650).contains($0) })
    }

    @Test("a token of another kind is refused", arguments: TokenKind.allCases)
    func wrongKind(_ kind: TokenKind) {
        let token = OpaqueToken.generate(kind).reveal()
        for other in TokenKind.allCases where other != kind {
            #expect(throws: CryptoError(.malformedToken, "")) { try OpaqueToken.parse(token, expecting: other) }
        }
    }

    @Test("every single-character substitution is refused")
    func everySubstitution() throws {
        let token = Array(OpaqueToken.generate(.invitation).reveal())
        var refused = 0
        for index in token.indices {
            for replacement in Self.base62 + ["_", "-", "=", " ", "é", "\0"] where replacement != token[index] {
                var mutated = token
                mutated[index] = replacement
                #expect(throws: CryptoError(.malformedToken, "")) {
                    try OpaqueToken.parse(String(mutated), expecting: .invitation)
                }
                refused += 1
            }
        }
        #expect(refused > 53 * 61)
    }

    @Test("every adjacent transposition of distinct characters is refused")
    func transpositions() {
        let token = Array(OpaqueToken.generate(.passwordReset).reveal())
        for index in token.indices.dropLast() where token[index] != token[index + 1] {
            var mutated = token
            mutated.swapAt(index, index + 1)
            #expect(throws: CryptoError(.malformedToken, "")) {
                try OpaqueToken.parse(String(mutated), expecting: .passwordReset)
            }
        }
    }

    @Test("every truncation and extension is refused")
    func truncations() {
        let token = OpaqueToken.generate(.caller).reveal()
        for length in 0..<token.count {
            #expect(throws: CryptoError(.malformedToken, "")) {
                try OpaqueToken.parse(String(token.prefix(length)), expecting: .caller)
            }
        }
        for suffix in ["0", "a", " ", "\n", "==", "é"] {
            #expect(throws: CryptoError(.malformedToken, "")) {
                try OpaqueToken.parse(token + suffix, expecting: .caller)
            }
            #expect(throws: CryptoError(.malformedToken, "")) {
                try OpaqueToken.parse(suffix + token, expecting: .caller)
            }
        }
    }

    @Test("random mutations never crash and are refused")
    func randomMutations() {
        var generator = SystemRandomNumberGenerator()
        let pool: [Character] =
            Self.base62 + ["_", "-", "+", "/", "=", " ", "\t", "é", "😀", "\u{0301}", "\0", "\u{7f}"]
        for _ in 0..<3000 {
            let original = OpaqueToken.generate(.refresh).reveal()
            var characters = Array(original)
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                switch Int.random(in: 0..<3, using: &generator) {
                case 0:
                    let index = Int.random(in: 0..<characters.count, using: &generator)
                    characters[index] = pool.randomElement(using: &generator) ?? "x"
                case 1 where !characters.isEmpty:
                    characters.remove(at: Int.random(in: 0..<characters.count, using: &generator))
                default:
                    let index = Int.random(in: 0...characters.count, using: &generator)
                    characters.insert(pool.randomElement(using: &generator) ?? "x", at: index)
                }
                if characters.isEmpty { characters = ["x"] }
            }
            let mutated = String(characters)
            guard let parsed = try? OpaqueToken.parse(mutated, expecting: .refresh) else { continue }
            // A mutation can only pass by undoing itself (a character replaced by itself, removed and put back).
            #expect(parsed.reveal() == original)
        }
    }

    @Test(
        "garbage strings are refused",
        arguments: [
            "", "tsr_", "tsr_" + String(repeating: "0", count: 49), "Bearer x", String(repeating: "é", count: 53),
            String(repeating: "a", count: 100_000),
        ]
    )
    func garbage(_ string: String) {
        #expect(throws: CryptoError(.malformedToken, "")) { try OpaqueToken.parse(string, expecting: .refresh) }
    }

    @Test("the description, dump and errors never show the token")
    func redaction() throws {
        let token = OpaqueToken.generate(.refresh)
        let secretPart = String(token.reveal().dropFirst(4))
        for text in [token.description, token.debugDescription, "\(token)", String(reflecting: token)] {
            #expect(!text.contains(secretPart))
            #expect(text.contains("redacted"))
        }
        var dumped = ""
        dump(token, to: &dumped)
        #expect(!dumped.contains(secretPart))
        var broken = Array(token.reveal())
        broken[10] = broken[10] == "a" ? "b" : "a"
        do {
            _ = try OpaqueToken.parse(String(broken), expecting: .refresh)
            Issue.record("a corrupted token parsed")
        } catch let error as CryptoError {
            #expect(!error.description.contains(String(secretPart.prefix(8))))
        }
    }

    @Test("the digest is SHA-256 of the full token string, with hex and raw forms and value equality")
    func digest() throws {
        let token = OpaqueToken.generate(.invitation)
        let digest = token.digest
        #expect(digest.rawBytes.count == 32)
        #expect(digest.hex.count == 64)
        #expect(try TokenDigest(hex: digest.hex) == digest)
        #expect(try TokenDigest(hex: digest.hex.uppercased()) == digest)
        #expect(try TokenDigest(rawBytes: digest.rawBytes) == digest)
        #expect(try OpaqueToken.parse(token.reveal(), expecting: .invitation).digest == digest)
        #expect(OpaqueToken.generate(.invitation).digest != digest)
        #expect(Set([digest, try TokenDigest(hex: digest.hex)]).count == 1)
        #expect(throws: CryptoError(.invalidParameter, "")) { try TokenDigest(hex: "abc") }
        #expect(throws: CryptoError(.invalidParameter, "")) { try TokenDigest(hex: String(repeating: "g", count: 64)) }
        #expect(throws: CryptoError(.invalidParameter, "")) { try TokenDigest(rawBytes: [1, 2, 3]) }
    }

    @Test("digests match Python's hashlib for a fixed token")
    func digestKnownAnswer() throws {
        let fixture = try T.fixture("token-vectors", as: TokenVectorFile.self)
        for vector in fixture.vectors {
            let kind = try #require(TokenKind(rawValue: vector.kind))
            let token = try OpaqueToken.parse(vector.token, expecting: kind)
            #expect(token.digest.hex == vector.sha256_hex)
        }
        for bad in fixture.invalid {
            #expect(throws: CryptoError(.malformedToken, "")) { try OpaqueToken.parse(bad.token, expecting: .refresh) }
        }
    }
}

/// `Fixtures/token-vectors.json`: tokens built and checksummed by Python (zlib.crc32, hashlib.sha256).
struct TokenVectorFile: Decodable {
    struct Vector: Decodable {
        let kind: String
        let token: String
        let sha256_hex: String
    }

    struct Invalid: Decodable {
        let token: String
        let why: String
    }

    let vectors: [Vector]
    let invalid: [Invalid]
}

@Suite("Opaque tokens: derived")
struct DerivedTokenTests {
    @Test("a derived token is a valid token, the same for the same key and source, and differs otherwise")
    func derivedTokens() throws {
        let key = SecretBytes.random(count: 32)
        let source = OpaqueToken.generate(.refresh)
        let first = OpaqueToken.derived(.refresh, key: key, from: source)
        #expect(first == OpaqueToken.derived(.refresh, key: key, from: source))
        #expect(try OpaqueToken.parse(first.reveal(), expecting: .refresh) == first)
        #expect(first != source)
        #expect(first != OpaqueToken.derived(.refresh, key: SecretBytes.random(count: 32), from: source))
        #expect(first != OpaqueToken.derived(.refresh, key: key, from: OpaqueToken.generate(.refresh)))
        let other = OpaqueToken.derived(.mfaChallenge, key: key, from: source)
        #expect(other.kind == .mfaChallenge)
        #expect(!other.reveal().dropFirst(4).elementsEqual(first.reveal().dropFirst(4)))
    }
}
