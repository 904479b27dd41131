import Testing

@testable import TesseraCrypto

@Suite("Encryption context: canonical encoding and validation")
struct EnvelopeContextTests {
    typealias T = EnvelopeTestSupport

    @Test("entries are sorted by key bytes and length-prefixed")
    func canonicalEncoding() throws {
        let context = try EncryptionContext(["user_id": "42", "provider": "openai"])
        #expect(
            T.hex(context.canonicalEncoding) == "0002" + "0008" + T.hex("provider".utf8) + "0006"
                + T.hex("openai".utf8) + "0007" + T.hex("user_id".utf8) + "0002" + T.hex("42".utf8))
        #expect(context.entries.map(\.key) == ["provider", "user_id"])
        #expect(context["user_id"] == "42")
        #expect(context["missing"] == nil)
        #expect(EncryptionContext.empty.canonicalEncoding == [0, 0])
    }

    @Test("uppercase sorts before lowercase (byte order), whatever the input order")
    func byteOrder() throws {
        let a = try EncryptionContext(["b": "1", "a": "2", "Z": "3", "a.b": "4", "a-b": "5"])
        #expect(a.entries.map(\.key) == ["Z", "a", "a-b", "a.b", "b"])
        let b = try EncryptionContext(dictionary: ["a.b": "4", "b": "1", "Z": "3", "a": "2", "a-b": "5"])
        #expect(a == b)
        #expect(a.canonicalEncoding == b.canonicalEncoding)
    }

    @Test("values are bound by their exact UTF-8 bytes, without normalisation")
    func noNormalisation() throws {
        let composed = try EncryptionContext(["name": "zo\u{00EB}"])
        let decomposed = try EncryptionContext(["name": "zoe\u{0308}"])
        #expect(composed != decomposed)
        let keyring = try Keyring.generate()
        let envelope = try keyring.seal([1, 2, 3] as [UInt8], context: composed)
        #expect(throws: CryptoError.authenticationFailure) { try keyring.open(envelope, context: decomposed) }
    }

    @Test("a repeated key is an error, not a trap")
    func duplicateKeys() {
        #expect(throws: CryptoError(.invalidParameter, "")) { try EncryptionContext(["a": "1", "a": "2"]) }
        #expect(throws: CryptoError(.invalidParameter, "")) {
            try EncryptionContext(entries: [("k", "1"), ("k", "1")])
        }
    }

    @Test(
        "invalid keys and values are refused",
        arguments: [
            ("", "v"), ("has space", "v"), ("ümlaut", "v"), ("slash/", "v"), (String(repeating: "k", count: 65), "v"),
            ("k", ""), ("k", String(repeating: "v", count: 1025)), ("nul\u{0}", "v"),
        ]
    )
    func invalidEntries(key: String, value: String) {
        #expect(throws: CryptoError(.invalidParameter, "")) { try EncryptionContext(entries: [(key, value)]) }
    }

    @Test("bounds: 64-byte keys, 1024-byte values and 16 entries are fine; 17 entries are not")
    func bounds() throws {
        _ = try EncryptionContext(entries: [(String(repeating: "k", count: 64), String(repeating: "é", count: 512))])
        let sixteen = (0..<16).map { ("k\($0)", "v") }
        #expect(try EncryptionContext(entries: sixteen).entries.count == 16)
        #expect(throws: CryptoError(.invalidParameter, "")) {
            try EncryptionContext(entries: sixteen + [("k16", "v")])
        }
    }

    @Test("description shows keys, not values")
    func description() throws {
        let context = try EncryptionContext(["user_id": "secret-looking-value"])
        #expect(context.description.contains("user_id"))
        #expect(!context.description.contains("secret-looking-value"))
    }
}
