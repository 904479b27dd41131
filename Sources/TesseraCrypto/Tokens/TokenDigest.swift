internal import Crypto

/// The SHA-256 digest of a token's full string: what the database stores (`refresh_token_hash`, `code_hash`,
/// `token_hash`) and looks up, so a database leak yields no usable token.
///
/// A plain hash is enough because tokens carry 256 random bits: nothing can be guessed or brute-forced from the
/// digest. Equality is constant-time.
public struct TokenDigest: Sendable, Hashable, CustomStringConvertible {
    /// The digest length in bytes.
    public static let byteCount = 32

    /// The 32 digest bytes.
    public let rawBytes: [UInt8]

    /// The digest of `token`.
    ///
    /// - Parameter token: The token.
    public init(of token: OpaqueToken) {
        self.rawBytes = Array(SHA256.hash(data: Array(token.reveal().utf8)))
    }

    /// A digest read back from storage.
    ///
    /// - Parameter rawBytes: 32 bytes.
    /// - Throws: `CryptoError(.invalidParameter)` for any other length.
    public init(rawBytes: some Collection<UInt8>) throws {
        guard rawBytes.count == Self.byteCount else {
            throw CryptoError(.invalidParameter, "a token digest is 32 bytes")
        }
        self.rawBytes = Array(rawBytes)
    }

    /// A digest read back from its hex form.
    ///
    /// - Parameter hex: 64 hex digits, either case.
    /// - Throws: `CryptoError(.invalidParameter)` when it is not 64 hex digits.
    public init(hex: String) throws {
        let digits = Array(hex.utf8)
        guard digits.count == 2 * Self.byteCount else {
            throw CryptoError(.invalidParameter, "a token digest is 64 hex digits")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.byteCount)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = Self.nibble(digits[index]), let low = Self.nibble(digits[index + 1]) else {
                throw CryptoError(.invalidParameter, "a token digest is 64 hex digits")
            }
            bytes.append(high << 4 | low)
        }
        self.rawBytes = bytes
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The digest as 64 lowercase hex digits.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(2 * rawBytes.count)
        for byte in rawBytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Constant-time comparison.
    public static func == (lhs: TokenDigest, rhs: TokenDigest) -> Bool {
        ConstantTime.equals(lhs.rawBytes, rhs.rawBytes)
    }

    /// Hashes the digest bytes (for in-memory lookups; the digest is not itself secret).
    public func hash(into hasher: inout Hasher) {
        hasher.combine(rawBytes)
    }

    /// The hex digest.
    public var description: String { "TokenDigest(\(hex))" }
}
