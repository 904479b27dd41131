import Testing

@testable import TesseraCrypto

@Suite("Base32 (RFC 4648)")
struct Base32Tests {
    @Test("the RFC 4648 fixture loads and has all seven vectors")
    func fixturesLoad() throws {
        let fixture = try TOTPFixtures.load("totp-base32-rfc4648", as: TOTPFixtures.Base32Vectors.self)
        #expect(fixture.vectors.count == 7)
    }

    @Test("RFC 4648 §10 vectors encode without padding", arguments: TOTPFixtures.base32Vectors)
    func encodes(vector: TOTPFixtures.Base32Vectors.Vector) {
        #expect(Base32.encode(Array(vector.plain.utf8)) == vector.unpadded)
    }

    @Test("RFC 4648 §10 vectors decode, unpadded, padded and lower case", arguments: TOTPFixtures.base32Vectors)
    func decodes(vector: TOTPFixtures.Base32Vectors.Vector) throws {
        let plain = Array(vector.plain.utf8)
        #expect(try Base32.decode(vector.unpadded) == plain)
        #expect(try Base32.decode(vector.unpadded.lowercased()) == plain)
        #expect(try Base32.decode(vector.padded, allowPadding: true) == plain)
    }

    @Test("padding is refused unless allowed")
    func paddingRefusedByDefault() {
        #expect(throws: CryptoError(.malformedSecret, "")) { try Base32.decode("MY======") }
        #expect(throws: CryptoError(.malformedSecret, "")) { try Base32.decode("MZXW6YQ=") }
    }

    @Test(
        "invalid text is refused as a malformed secret",
        arguments: [
            "MZXW6YT!",  // character outside the alphabet
            "MZXW6YT0",  // 0 is not in the alphabet (2-7 only)
            "MZXW6YT1",
            "MZXW6YT8",
            "MZXW 6YTB",  // whitespace
            "MZXW6YTB\n",
            "MZXW-6YTB",
            "MZXW6YTBÉ",  // non-ASCII
            "ＭＺＸＷ６ＹＴＢ",  // full-width letters
            "M",  // impossible lengths: 1, 3, 6 symbols in the last group
            "MZX",
            "MZXW6Y",
            "MZXW6YTBM",
            "MZ",  // non-zero trailing bits ("f" is "MY")
            "MZXR",  // "fo" is "MZXQ"
            "MZXW7",  // "foo" is "MZXW6"
            "MZXW6YR",  // "foob" is "MZXW6YQ"
        ]
    )
    func refusesInvalid(text: String) {
        #expect(throws: CryptoError(.malformedSecret, "")) { try Base32.decode(text) }
        #expect(throws: CryptoError(.malformedSecret, "")) { try Base32.decode(text, allowPadding: true) }
    }

    @Test(
        "wrong padding is refused even when padding is allowed",
        arguments: ["MY=====", "MY=======", "MZXW6YTB========", "========", "MY==MY==", "=MY=====", "MZXQ===="]
    )
    func refusesWrongPadding(text: String) throws {
        if text == "MZXQ====" {
            // The one well-formed case in the list, as a control.
            #expect(try Base32.decode(text, allowPadding: true) == Array("fo".utf8))
        } else {
            #expect(throws: CryptoError(.malformedSecret, "")) { try Base32.decode(text, allowPadding: true) }
        }
    }

    @Test("error messages never repeat the input")
    func messagesDoNotLeak() {
        for text in ["SECRETSECRETSECRET!", "SECRETSECRETSECRE", "SECRETSECRETSECRET7"] {
            do {
                _ = try Base32.decode(text)
                Issue.record("\(text.count)-character invalid text was accepted")
            } catch let error as CryptoError {
                #expect(!error.description.contains("SECRET"))
            } catch {
                Issue.record("unexpected error type \(type(of: error))")
            }
        }
    }

    @Test("random bytes round-trip through encode and decode")
    func roundTrip() throws {
        for length in 0...70 {
            let bytes = SecureRandom.bytes(count: length)
            let text = Base32.encode(bytes)
            #expect(text.utf8.count == (length * 8 + 4) / 5)
            #expect(try Base32.decode(text) == bytes)
            #expect(try Base32.decode(text.lowercased()) == bytes)
        }
    }
}
