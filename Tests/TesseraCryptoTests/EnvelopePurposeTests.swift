import Foundation
import Testing

@testable import TesseraCrypto

/// The purposes of sealed secrets: reserved context keys, associated data that no caller-built context can reach,
/// and the unchanged bytes that keep TOTP secrets sealed before the purposes were typed opening.
@Suite("Envelope purposes")
struct EnvelopePurposeTests {
    @Test(
        "a caller's context may not use a key under tessera.",
        arguments: ["tessera.purpose", "tessera.", "tessera.x", "tessera.purpose.extra"]
    )
    func reservedKeysRefused(key: String) {
        #expect(throws: CryptoError.self) { try EncryptionContext(dictionary: [key: "totp-secret"]) }
        #expect(throws: CryptoError.self) { try EncryptionContext(entries: [(key, "v")], purpose: .totpSecret) }
        #expect(throws: CryptoError.self) { try EncryptionContext(dictionary: ["user_id": "1", key: "v"]) }
    }

    @Test("keys that only look alike are a caller's to use", arguments: ["tessera", "Tessera.purpose", "xtessera.a"])
    func nearMissesAllowed(key: String) throws {
        let context = try EncryptionContext(dictionary: [key: "v"])
        #expect(context.purpose == .general)
    }

    @Test("the TOTP purpose's encoding is the old convention's, byte for byte")
    func totpEncodingUnchanged() throws {
        let typed = try EncryptionContext(entries: [("user_id", "42")], purpose: .totpSecret)
        var expected: [UInt8] = [0, 2]
        for (key, value) in [("tessera.purpose", "totp-secret"), ("user_id", "42")] {
            expected +=
                [0, UInt8(key.utf8.count)] + Array(key.utf8) + [0, UInt8(value.utf8.count)] + Array(value.utf8)
        }
        #expect(typed.canonicalEncoding == expected)
        #expect(typed.purpose == .totpSecret)
        #expect(typed["tessera.purpose"] == "totp-secret")
    }

    @Test("a secret sealed for one purpose does not open, nor rewrap, as the other")
    func purposesDoNotMeet() throws {
        let keyring = try Keyring.generate()
        let general = try EncryptionContext(dictionary: ["user_id": "42"])
        let totp = try EncryptionContext(dictionary: ["user_id": "42"], purpose: .totpSecret)
        #expect(general != totp)
        let seed = Array("12345678901234567890".utf8)
        let sealedAsTOTP = try keyring.seal(seed, context: totp)
        let sealedAsGeneral = try keyring.seal(seed, context: general)
        #expect(throws: CryptoError.authenticationFailure) { try keyring.open(sealedAsTOTP, context: general) }
        #expect(throws: CryptoError.authenticationFailure) { try keyring.open(sealedAsGeneral, context: totp) }
        #expect(throws: CryptoError.authenticationFailure) {
            try keyring.rewrap(sealedAsTOTP.wrappedKey, context: general)
        }
        #expect(Array(try keyring.open(sealedAsTOTP, context: totp).withUnsafeBytes { Array($0) }) == seed)
    }

    @Test("the purpose entry counts beside the caller's sixteen")
    func purposeDoesNotTakeACallersEntry() throws {
        let entries = (0..<EncryptionContext.maxEntries).map { ("k\($0)", "v") }
        let context = try EncryptionContext(entries: entries, purpose: .totpSecret)
        #expect(context.entries.count == EncryptionContext.maxEntries + 1)
    }
}
