/// An `otpauth://totp/…` enrolment URI in the Google Authenticator Key URI format, which authenticator apps
/// read from a QR code.
///
/// The URI is `otpauth://totp/ISSUER:ACCOUNT?secret=…&issuer=ISSUER&algorithm=…&digits=…&period=…`. The issuer
/// and account are percent-encoded as UTF-8 with everything outside RFC 3986's unreserved set (`A–Z a–z 0–9 - .
/// _ ~`) escaped, so a space is `%20` (never `+`). Neither may contain a `:`, as the Key URI format requires:
/// the literal `:` is the label's separator, and apps differ in whether they decode an escaped one. The issuer also appears as the `issuer` parameter, as the format recommends. The
/// secret is unpadded upper-case base32. `algorithm`, `digits` and `period` are always written, even at their
/// defaults, so apps that ignore some of them can be spotted in testing rather than in production.
///
/// The full URI contains the secret, so it is only available through ``revealString()``; `description` shows it
/// with the secret redacted.
public struct OTPAuthURI: Sendable, CustomStringConvertible {
    /// The longest issuer or account accepted, in UTF-8 bytes (keeps the QR code small enough to scan).
    public static let maximumComponentByteCount = 255

    /// The service name shown in the authenticator app, e.g. `Tessera`.
    public let issuer: String
    /// The user's account name, e.g. an e-mail address.
    public let account: String
    /// The credential's hash function, digits and period.
    public let parameters: TOTPParameters
    /// The shared secret.
    let secret: TOTPSecret

    /// Creates an enrolment URI.
    ///
    /// - Parameters:
    ///   - secret: The shared secret.
    ///   - issuer: The service name; not empty, at most ``maximumComponentByteCount`` UTF-8 bytes, no control
    ///     characters.
    ///   - account: The account name; not empty, at most ``maximumComponentByteCount`` UTF-8 bytes, no control
    ///     characters.
    ///   - parameters: The credential's parameters.
    /// - Throws: ``CryptoError/Code/invalidParameter`` when the issuer or the account breaks those rules.
    public init(secret: TOTPSecret, issuer: String, account: String, parameters: TOTPParameters = .default) throws {
        try Self.validate(issuer, name: "issuer")
        try Self.validate(account, name: "account")
        self.secret = secret
        self.issuer = issuer
        self.account = account
        self.parameters = parameters
    }

    /// The percent-encoded label, `ISSUER:ACCOUNT` (public: it holds no secret).
    public var label: String { Self.percentEncode(issuer) + ":" + Self.percentEncode(account) }

    /// Returns the complete URI, secret included, for the QR code or for the user to copy once.
    ///
    /// The result is an ordinary `String` that cannot be wiped: never log it, store it or put it in an error.
    public func revealString() -> String {
        render(secretText: secret.revealBase32())
    }

    /// The URI with the secret replaced by `REDACTED`.
    public var description: String { render(secretText: "REDACTED") }

    private func render(secretText: String) -> String {
        "otpauth://totp/\(label)?secret=\(secretText)&issuer=\(Self.percentEncode(issuer))"
            + "&algorithm=\(parameters.algorithm.uriName)&digits=\(parameters.digits)"
            + "&period=\(parameters.periodSeconds)"
    }

    private static func validate(_ value: String, name: String) throws {
        guard !value.isEmpty else {
            throw CryptoError(.invalidParameter, "otpauth \(name) must not be empty")
        }
        guard value.utf8.count <= maximumComponentByteCount else {
            throw CryptoError(.invalidParameter, "otpauth \(name) is longer than \(maximumComponentByteCount) bytes")
        }
        guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw CryptoError(.invalidParameter, "otpauth \(name) must not contain control characters")
        }
        guard !value.utf8.contains(UInt8(ascii: ":")) else {
            throw CryptoError(.invalidParameter, "otpauth \(name) must not contain ':'")
        }
    }

    /// Percent-encodes the UTF-8 bytes of `text`, leaving only RFC 3986's unreserved characters as they are.
    static func percentEncode(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count * 3)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                output.append(byte)
            default:
                output.append(UInt8(ascii: "%"))
                output.append(hex[Int(byte >> 4)])
                output.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
