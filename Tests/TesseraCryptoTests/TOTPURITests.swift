import Testing

@testable import TesseraCrypto

@Suite("TOTP otpauth URI")
struct TOTPURITests {
    let secret: TOTPSecret

    init() throws {
        secret = try TOTPSecret(base32: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
    }

    @Test("the URI follows the Key URI format with every parameter written")
    func format() throws {
        let uri = try OTPAuthURI(secret: secret, issuer: "Tessera", account: "alice@example.com")
        #expect(
            uri.revealString()
                == "otpauth://totp/Tessera:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
                + "&issuer=Tessera&algorithm=SHA1&digits=6&period=30"
        )
    }

    @Test("issuer and account are percent-encoded: spaces as %20, UTF-8 bytes escaped")
    func percentEncoding() throws {
        let parameters = try TOTPParameters(algorithm: .sha512, digits: 8, periodSeconds: 60)
        let uri = try OTPAuthURI(
            secret: secret, issuer: "Acme Ünïcode Co", account: "bob smith+x/y?z&w=1#é", parameters: parameters)
        #expect(uri.label == "Acme%20%C3%9Cn%C3%AFcode%20Co:bob%20smith%2Bx%2Fy%3Fz%26w%3D1%23%C3%A9")
        #expect(
            uri.revealString()
                == "otpauth://totp/\(uri.label)?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
                + "&issuer=Acme%20%C3%9Cn%C3%AFcode%20Co&algorithm=SHA512&digits=8&period=60"
        )
        #expect(OTPAuthURI.percentEncode("AZaz09-._~") == "AZaz09-._~")
        #expect(OTPAuthURI.percentEncode("😀") == "%F0%9F%98%80")
    }

    @Test(
        "a ':' in the issuer or the account is refused, as the Key URI format requires",
        arguments: [
            ("Acme: Co", "alice"), ("Acme", "alice:admin"), ("Acme", ":"),
        ])
    func colonRefused(issuer: String, account: String) {
        #expect(throws: CryptoError.self) {
            try OTPAuthURI(secret: secret, issuer: issuer, account: account)
        }
    }

    @Test("description redacts the secret")
    func redacted() throws {
        let uri = try OTPAuthURI(secret: secret, issuer: "Tessera", account: "alice")
        #expect(!uri.description.contains("GEZDGNBV"))
        #expect(uri.description.contains("secret=REDACTED"))
        #expect(!"\(uri)".contains("GEZDGNBV"))
    }

    @Test(
        "empty, oversized or control-character issuers and accounts are refused",
        arguments: [
            ("Tessera", ""), ("", "alice"), ("Tessera", "al\nice"), ("Tes\u{7}sera", "alice"),
            ("Tessera", String(repeating: "a", count: 256)),
        ]
    )
    func refused(issuer: String, account: String) {
        #expect(throws: CryptoError(.invalidParameter, "")) {
            try OTPAuthURI(secret: secret, issuer: issuer, account: account)
        }
    }

    @Test("the enrolment bundles a fresh secret, its URI and a PNG")
    func enrolment() throws {
        let parameters = try TOTPParameters(algorithm: .sha256, digits: 6, periodSeconds: 30)
        let enrolment = try TOTPEnrolment(issuer: "Tessera", account: "alice", parameters: parameters, scale: 4)
        #expect(enrolment.secret.byteCount == 32)
        #expect(enrolment.uri.revealString().contains("secret=\(enrolment.secret.revealBase32())&"))
        #expect(Array(enrolment.qrPNG.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(!enrolment.description.contains(enrolment.secret.revealBase32()))
    }
}
