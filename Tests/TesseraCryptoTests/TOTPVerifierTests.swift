import Foundation
import Testing

@testable import TesseraCrypto

@Suite("TOTP verifier")
struct TOTPVerifierTests {
    /// 2009-02-13T23:31:30Z, 0 s into step 41152263 (RFC 6238's 1234567890 vector).
    static let now = Date(timeIntervalSince1970: 1_234_567_890)
    static let currentStep: UInt64 = 1_234_567_890 / 30

    let secret: TOTPSecret

    init() throws {
        secret = try TOTPSecret(bytes: SecretBytes(copying: Array("12345678901234567890".utf8)))
    }

    func code(offset: Int, parameters: TOTPParameters = .default) -> String {
        let step = offset >= 0 ? Self.currentStep + UInt64(offset) : Self.currentStep - UInt64(-offset)
        return TOTP.code(for: secret, timeStep: step, parameters: parameters)
    }

    @Test("the current code matches with offset 0 and reports when it expires")
    func current() throws {
        let match = try #require(try TOTP.verify(code: code(offset: 0), secret: secret, at: Self.now))
        #expect(match.timeStep == Self.currentStep)
        #expect(match.offset == 0)
        // 1234567890 = 41152263 × 30 exactly, so the step began now and ends at 41152264 × 30 = 1234567920.
        #expect(match.expiresAt == Date(timeIntervalSince1970: 1_234_567_920))
        #expect(match.expiresIn == .seconds(30))
    }

    @Test("a skew window of 1 accepts the previous and the next step and names them", arguments: [-1, 1])
    func skew(offset: Int) throws {
        let match = try #require(try TOTP.verify(code: code(offset: offset), secret: secret, at: Self.now, window: 1))
        #expect(match.offset == offset)
        #expect(match.timeStep == (offset < 0 ? Self.currentStep - 1 : Self.currentStep + 1))
        #expect(match.expiresIn == .seconds(offset < 0 ? 0 : 60))
    }

    @Test("codes outside the window are rejected", arguments: [-3, -2, 2, 3])
    func outsideWindow(offset: Int) throws {
        #expect(try TOTP.verify(code: code(offset: offset), secret: secret, at: Self.now, window: 1) == nil)
        let wide = try #require(try TOTP.verify(code: code(offset: offset), secret: secret, at: Self.now, window: 3))
        #expect(wide.offset == offset)
    }

    @Test("window 0 accepts only the current step")
    func windowZero() throws {
        #expect(try TOTP.verify(code: code(offset: 0), secret: secret, at: Self.now, window: 0) != nil)
        #expect(try TOTP.verify(code: code(offset: -1), secret: secret, at: Self.now, window: 0) == nil)
        #expect(try TOTP.verify(code: code(offset: 1), secret: secret, at: Self.now, window: 0) == nil)
    }

    @Test("the window must lie within 0...10", arguments: [-1, 11, Int.max, Int.min])
    func windowBounds(window: Int) {
        #expect(throws: CryptoError(.invalidParameter, "")) {
            try TOTP.verify(code: "123456", secret: secret, at: Self.now, window: window)
        }
    }

    @Test("a wrong code and another secret's code are rejected")
    func wrongCode() throws {
        let right = code(offset: 0)
        let wrongDigit = right.last == "0" ? String(right.dropLast()) + "1" : String(right.dropLast()) + "0"
        #expect(try TOTP.verify(code: wrongDigit, secret: secret, at: Self.now, window: 0) == nil)
        let other = try TOTPSecret.generate()
        let otherCode = try TOTP.code(for: other, at: Self.now)
        if otherCode != right {
            #expect(try TOTP.verify(code: otherCode, secret: secret, at: Self.now, window: 0) == nil)
        }
    }

    @Test(
        "malformed codes are rejected before any comparison",
        arguments: [
            "", "12345", "1234567", " 123456", "123456 ", "123 456", "123456\n", "\t123456", "+12345", "-12345",
            "12345a", "abcdef", "１２３４５６", "١٢٣٤٥٦", "۱۲۳۴۵۶", "१२३४५६", "12345６", "12\u{0}456", "0x1234",
        ]
    )
    func malformed(text: String) throws {
        #expect(!TOTP.isWellFormed(text))
        #expect(try TOTP.verify(code: text, secret: secret, at: Self.now, window: 10) == nil)
    }

    @Test("the digit count comes from the parameters")
    func digitCount() throws {
        let eight = try TOTPParameters(algorithm: .sha1, digits: 8, periodSeconds: 30)
        let code8 = code(offset: 0, parameters: eight)
        #expect(try TOTP.verify(code: code8, secret: secret, at: Self.now, parameters: eight) != nil)
        // The 6-digit code is the 8-digit one's tail, but it is not accepted as an 8-digit code, nor vice versa.
        #expect(try TOTP.verify(code: String(code8.suffix(6)), secret: secret, at: Self.now, parameters: eight) == nil)
        #expect(try TOTP.verify(code: code8, secret: secret, at: Self.now) == nil)
    }

    @Test("the window is clipped at the epoch instead of wrapping around")
    func nearEpoch() throws {
        let start = Date(timeIntervalSince1970: 10)  // step 0
        let current = TOTP.code(for: secret, timeStep: 0)
        let match = try #require(try TOTP.verify(code: current, secret: secret, at: start, window: 2))
        #expect(match.timeStep == 0)
        // The code of step UInt64.max (what 0 − 1 would wrap to) must not be a candidate.
        let wrapped = TOTP.code(for: secret, timeStep: .max)
        if wrapped != current && wrapped != TOTP.code(for: secret, timeStep: 1)
            && wrapped != TOTP.code(for: secret, timeStep: 2)
        {
            #expect(try TOTP.verify(code: wrapped, secret: secret, at: start, window: 2) == nil)
        }
    }

    @Test("the verifier is stateless: the same code verifies twice, the caller refuses the replay by step")
    func statelessReplay() throws {
        let first = try #require(try TOTP.verify(code: code(offset: 0), secret: secret, at: Self.now))
        let again = try #require(try TOTP.verify(code: code(offset: 0), secret: secret, at: Self.now + 5))
        #expect(first.timeStep == again.timeStep)  // the caller stores first.timeStep and refuses `again`
    }
}

@Suite("TOTP secrets and parameters")
struct TOTPSecretTests {
    @Test("description, debugDescription and dump never show the secret")
    func redacted() throws {
        let secret = try TOTPSecret(base32: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
        let base32 = secret.revealBase32()
        #expect(base32 == "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
        var dumped = ""
        dump(secret, to: &dumped)
        for text in [secret.description, secret.debugDescription, "\(secret)", String(reflecting: secret), dumped] {
            #expect(!text.contains("JBSWY3DP"))
            #expect(!text.lowercased().contains("jbswy3dp"))
            #expect(!text.contains("72"))  // 'H', the first byte, in decimal
            #expect(text.contains("20"))  // the length is fine to show
        }
    }

    @Test("generated secrets are random, 160 bits by default, and as long as the hash for SHA-256/512")
    func generate() throws {
        let a = try TOTPSecret.generate()
        let b = try TOTPSecret.generate()
        #expect(a.byteCount == 20)
        #expect(a != b)
        #expect(TOTPSecret.generate(for: .sha1).byteCount == 20)
        #expect(TOTPSecret.generate(for: .sha256).byteCount == 32)
        #expect(TOTPSecret.generate(for: .sha512).byteCount == 64)
        #expect(try TOTPSecret.generate(byteCount: 32).revealBase32().utf8.count == 52)
        for tooShortOrLong in [0, 16, 19, 129] {
            #expect(throws: CryptoError(.invalidParameter, "")) { try TOTPSecret.generate(byteCount: tooShortOrLong) }
        }
    }

    @Test("imports need at least 128 bits and at most 128 bytes")
    func importBounds() throws {
        #expect(try TOTPSecret(bytes: SecretBytes.random(count: 16)).byteCount == 16)
        #expect(throws: CryptoError(.malformedSecret, "")) { try TOTPSecret(bytes: SecretBytes.random(count: 15)) }
        #expect(throws: CryptoError(.malformedSecret, "")) { try TOTPSecret(bytes: SecretBytes.random(count: 129)) }
        // 26 base32 characters carry 16 bytes; 24 carry 15.
        #expect(try TOTPSecret(base32: Base32.encode([UInt8](repeating: 7, count: 16))).byteCount == 16)
        #expect(throws: CryptoError(.malformedSecret, "")) {
            try TOTPSecret(base32: Base32.encode([UInt8](repeating: 7, count: 15)))
        }
        #expect(throws: CryptoError(.malformedSecret, "")) { try TOTPSecret(base32: "") }
    }

    @Test("base32 import is case-insensitive, strict, and padding-tolerant only on request")
    func base32Import() throws {
        let upper = try TOTPSecret(base32: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
        #expect(try TOTPSecret(base32: "gezdgnbvgy3tqojqgezdgnbvgy3tqojq") == upper)
        #expect(upper.bytes == SecretBytes(copying: Array("12345678901234567890".utf8)))
        let sixteen = Base32.encode([UInt8](repeating: 0xA5, count: 16))  // 26 characters, needs "======"
        #expect(throws: CryptoError(.malformedSecret, "")) { try TOTPSecret(base32: sixteen + "======") }
        #expect(try TOTPSecret(base32: sixteen + "======", allowPadding: true).byteCount == 16)
        #expect(throws: CryptoError(.malformedSecret, "")) { try TOTPSecret(base32: "GEZD GNBV GY3T QOJQ GEZD GNBV") }
    }

    @Test("parameters are validated", arguments: [5, 9, 0, -6, 10])
    func badDigits(digits: Int) {
        #expect(throws: CryptoError(.invalidParameter, "")) {
            try TOTPParameters(algorithm: .sha1, digits: digits, periodSeconds: 30)
        }
    }

    @Test("periods must be whole seconds within 1...300")
    func periods() throws {
        #expect(try TOTPParameters(period: .seconds(60)).periodSeconds == 60)
        #expect(try TOTPParameters(period: .seconds(1)).period == .seconds(1))
        #expect(try TOTPParameters(period: .seconds(300)).periodSeconds == 300)
        for bad in [Duration.zero, .seconds(-30), .seconds(301), .milliseconds(30_500), .seconds(Int64.max)] {
            #expect(throws: CryptoError(.invalidParameter, "")) { try TOTPParameters(period: bad) }
        }
        #expect(TOTPParameters.default == (try TOTPParameters()))
        #expect(TOTPParameters.default.description == "SHA1, 6 digits, 30 s")
    }

    @Test("algorithm names parse in either case and unknown ones are refused")
    func algorithmNames() {
        #expect(TOTPAlgorithm(uriName: "sha256") == .sha256)
        #expect(TOTPAlgorithm(uriName: "SHA512") == .sha512)
        #expect(TOTPAlgorithm(uriName: "MD5") == nil)
        #expect(TOTPAlgorithm.allCases.map(\.uriName) == ["SHA1", "SHA256", "SHA512"])
    }
}
