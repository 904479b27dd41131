internal import Crypto

/// A high-entropy bearer token — refresh token, invitation code, password reset token or caller credential —
/// returned to its holder once and stored only as its ``TokenDigest``.
///
/// Format (see `docs/tokens.md`): `tsr_` (the kind's prefix) ‖ 43 random base62 characters (≥ 256 bits) ‖ 6
/// base62 characters of CRC-32 checksum, 53 ASCII characters in all, e.g.
/// `tsr_2hJd…(43)…Q0x9Zk`. The checksum lets ``parse(_:expecting:)`` refuse a mistyped, truncated or foreign
/// string before any database lookup; it is not a security feature (anyone can compute it).
///
/// The token is a secret: `description`, `debugDescription` and reflection are redacted; ``reveal()`` is the one
/// deliberate way to get the string (to return it to the holder once). Equality is constant-time.
public struct OpaqueToken: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// What the token is for.
    public let kind: TokenKind
    private let value: String

    private init(kind: TokenKind, value: String) {
        self.kind = kind
        self.value = value
    }

    /// Makes a new token of `kind` from the OS CSPRNG.
    ///
    /// - Parameter kind: What the token is for.
    /// - Returns: The token; hand it to its holder once and store only ``digest``.
    public static func generate(_ kind: TokenKind) -> OpaqueToken {
        var bytes = Array(kind.prefix.utf8) + TokenFormat.randomBody(count: TokenFormat.bodyLength)
        bytes += TokenFormat.checksum(of: bytes)
        return OpaqueToken(kind: kind, value: String(decoding: bytes, as: UTF8.self))
    }

    /// The token of `kind` derived from `source` under `key`: HMAC-SHA256(key, source) stretched to the body, in
    /// the same format (prefix, 43 base62 characters, checksum) as a random token.
    ///
    /// Only the key's holder can compute it, and it is the same every time: a refresh rotated by a concurrent call
    /// hands out the successor the first call made, although only its hash is stored. Without the key the
    /// successor is as unpredictable as a random token (HMAC is a PRF).
    /// - Parameters:
    ///   - kind: The kind of the derived token.
    ///   - key: The derivation key (a root-derived purpose key; at least 32 bytes).
    ///   - source: The token it is derived from.
    /// - Returns: The derived token.
    public static func derived(_ kind: TokenKind, key: SecretBytes, from source: OpaqueToken) -> OpaqueToken {
        let symmetricKey = key.withUnsafeBytes { SymmetricKey(data: $0) }
        var body: [UInt8] = []
        body.reserveCapacity(TokenFormat.bodyLength)
        var block: UInt32 = 0
        while body.count < TokenFormat.bodyLength {
            var message = Array(kind.prefix.utf8) + Array(source.value.utf8)
            withUnsafeBytes(of: block.bigEndian) { message.append(contentsOf: $0) }
            let mac = HMAC<SHA256>.authenticationCode(for: message, using: symmetricKey)
            for byte in mac where byte < 248 && body.count < TokenFormat.bodyLength {
                body.append(TokenFormat.alphabet[Int(byte % 62)])
            }
            block += 1
        }
        var bytes = Array(kind.prefix.utf8) + body
        bytes += TokenFormat.checksum(of: bytes)
        return OpaqueToken(kind: kind, value: String(decoding: bytes, as: UTF8.self))
    }

    /// Checks a presented token string before it is looked up.
    ///
    /// Checks, in order and without ever trapping: the length (53 bytes), ASCII only, the prefix of the expected
    /// kind, base62 body and checksum characters, and the checksum.
    ///
    /// - Parameters:
    ///   - string: The string as presented (not trimmed: surrounding whitespace is refused).
    ///   - kind: The kind the caller expects here.
    /// - Returns: The token.
    /// - Throws: `CryptoError(.malformedToken)` with a reason that never quotes the string.
    public static func parse(_ string: String, expecting kind: TokenKind) throws -> OpaqueToken {
        let bytes = string.utf8
        guard bytes.count == TokenFormat.tokenLength else {
            throw CryptoError(.malformedToken, "token has the wrong length")
        }
        guard bytes.allSatisfy({ $0 < 0x80 }) else {
            throw CryptoError(.malformedToken, "token contains non-ASCII characters")
        }
        let ascii = Array(bytes)
        let prefix = ascii[..<TokenFormat.prefixLength]
        guard prefix.elementsEqual(kind.prefix.utf8) else {
            if TokenKind(prefixOf: string) != nil {
                throw CryptoError(.malformedToken, "token is of another kind than expected (\(kind.prefix))")
            }
            throw CryptoError(.malformedToken, "token does not start with \(kind.prefix)")
        }
        let signed = ascii[..<(TokenFormat.tokenLength - TokenFormat.checksumLength)]
        guard ascii[TokenFormat.prefixLength...].allSatisfy({ TokenFormat.digit(of: $0) != nil }) else {
            throw CryptoError(.malformedToken, "token contains characters outside base62")
        }
        let expected = TokenFormat.checksum(of: signed)
        guard ascii[(TokenFormat.tokenLength - TokenFormat.checksumLength)...].elementsEqual(expected) else {
            throw CryptoError(.malformedToken, "token checksum does not match")
        }
        return OpaqueToken(kind: kind, value: string)
    }

    /// The token string, to return to its holder once. Never log it.
    ///
    /// - Returns: The full token, prefix and checksum included.
    public func reveal() -> String {
        value
    }

    /// The SHA-256 digest to store and look up instead of the token.
    public var digest: TokenDigest {
        TokenDigest(of: self)
    }

    /// Constant-time comparison of the token strings.
    public static func == (lhs: OpaqueToken, rhs: OpaqueToken) -> Bool {
        ConstantTime.equals(lhs.value, rhs.value)
    }

    /// Names the kind only.
    public var description: String { "OpaqueToken(\(kind.prefix)…, redacted)" }

    /// Names the kind only.
    public var debugDescription: String { description }

    /// Hides the token from `dump` and debuggers that walk mirrors.
    public var customMirror: Mirror { Mirror(self, children: ["kind": kind], displayStyle: .struct) }
}
