internal import Crypto

/// The shared key of a TOTP credential: random bytes held in ``SecretBytes`` and never printed.
///
/// New secrets come from the OS CSPRNG (``generate(byteCount:)``, 160 bits or more). Imported secrets (from a
/// sealed row, or base32 from another system) must hold at least 128 bits (``minimumByteCount``), and at most
/// ``maximumByteCount`` bytes, which bounds the work an oversized import can cause.
///
/// The base32 spelling shown to a user at enrolment is available only through ``revealBase32()``, whose name
/// makes every use visible in review. `description`, `debugDescription` and reflection show the length only.
public struct TOTPSecret: Sendable, Equatable {
    /// The fewest bytes an imported secret may hold (128 bits).
    public static let minimumByteCount = 16
    /// The fewest bytes a generated secret may hold (160 bits, RFC 4226 §4 R6's recommendation).
    public static let minimumGeneratedByteCount = 20
    /// The most bytes a secret may hold; an HMAC key longer than the hash's block is hashed first anyway.
    public static let maximumByteCount = 128
    /// The longest base32 text that can hold ``maximumByteCount`` bytes, padding included.
    static let maximumBase32Length = (maximumByteCount * 8 + 39) / 40 * 8

    /// The key bytes, for sealing the secret at rest (envelope encryption) and for the HMAC.
    public let bytes: SecretBytes

    /// Wraps existing key bytes, e.g. a secret just opened from its sealed row.
    ///
    /// - Parameter bytes: The key; 16 to 128 bytes.
    /// - Throws: ``CryptoError/Code/malformedSecret`` when the length is outside those bounds.
    public init(bytes: SecretBytes) throws {
        guard (Self.minimumByteCount...Self.maximumByteCount).contains(bytes.count) else {
            throw CryptoError(.malformedSecret, "TOTP secret must be 16 to 128 bytes long")
        }
        self.bytes = bytes
    }

    /// Wraps bytes whose length the caller has already checked.
    private init(validBytes: SecretBytes) {
        self.bytes = validBytes
    }

    /// Decodes a base32 secret (RFC 4648, either letter case, no whitespace), e.g. one imported from another
    /// system or typed in by a user.
    ///
    /// - Parameters:
    ///   - base32: The encoded secret.
    ///   - allowPadding: Whether trailing `=` padding is tolerated (it must then be exact).
    /// - Throws: ``CryptoError/Code/malformedSecret`` for invalid base32 or a secret shorter than 128 bits or
    ///   longer than ``maximumByteCount``; the message never repeats the input.
    public init(base32: String, allowPadding: Bool = false) throws {
        // Refuse oversized input before decoding it: 128 bytes take 205 symbols, 208 with padding.
        guard base32.utf8.count <= Self.maximumBase32Length else {
            throw CryptoError(.malformedSecret, "TOTP secret must be 16 to 128 bytes long")
        }
        var decoded = try Base32.decode(base32, allowPadding: allowPadding)
        try self.init(bytes: SecretBytes(zeroing: &decoded))
    }

    /// Generates a new secret from the OS CSPRNG.
    ///
    /// - Parameter byteCount: The length, 20 (160 bits, for SHA-1) to 128 bytes; use 32 for SHA-256 and 64 for
    ///   SHA-512 (``TOTPAlgorithm/recommendedSecretByteCount``).
    /// - Returns: A fresh secret.
    /// - Throws: ``CryptoError/Code/invalidParameter`` when `byteCount` is outside 20...128.
    public static func generate(byteCount: Int = 20) throws -> TOTPSecret {
        guard (minimumGeneratedByteCount...maximumByteCount).contains(byteCount) else {
            throw CryptoError(.invalidParameter, "a generated TOTP secret must be 20 to 128 bytes long")
        }
        return TOTPSecret(validBytes: .random(count: byteCount))
    }

    /// Generates a new secret as long as `algorithm`'s output (20, 32 or 64 bytes) from the OS CSPRNG.
    ///
    /// - Parameter algorithm: The HMAC the secret will be used with.
    /// - Returns: A fresh secret.
    public static func generate(for algorithm: TOTPAlgorithm) -> TOTPSecret {
        // Every recommended length (20, 32, 64) lies within minimumGeneratedByteCount...maximumByteCount.
        TOTPSecret(validBytes: .random(count: algorithm.recommendedSecretByteCount))
    }

    /// The number of key bytes.
    public var byteCount: Int { bytes.count }

    /// Returns the secret as unpadded upper-case base32, for showing to the user once at enrolment.
    ///
    /// The result is an ordinary `String` that cannot be wiped: hand it to the caller and drop it; never log it,
    /// store it or put it in an error.
    public func revealBase32() -> String {
        bytes.withUnsafeBytes { Base32.encode($0) }
    }

    /// The HMAC key for this secret (swift-crypto copies it into memory it zeroes on release).
    var symmetricKey: SymmetricKey { SymmetricKey(data: bytes) }
}

extension TOTPSecret: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Shows the length only, never the secret.
    public var description: String { "TOTPSecret(\(bytes.count) bytes, redacted)" }

    /// Shows the length only, never the secret.
    public var debugDescription: String { description }

    /// Hides the key from `dump` and debuggers that walk mirrors.
    public var customMirror: Mirror { Mirror(self, children: ["byteCount": bytes.count], displayStyle: .struct) }
}
