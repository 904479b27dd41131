internal import Crypto

/// The HMAC hash function of a TOTP credential (RFC 6238 §1.2: HMAC-SHA-1, HMAC-SHA-256, HMAC-SHA-512).
///
/// SHA-1 is the default because it is the only one every authenticator app supports; HMAC-SHA-1 is not
/// affected by SHA-1's collision weakness.
public enum TOTPAlgorithm: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// HMAC-SHA-1, RFC 4226's original and the `otpauth://` default.
    case sha1 = "SHA1"
    /// HMAC-SHA-256.
    case sha256 = "SHA256"
    /// HMAC-SHA-512.
    case sha512 = "SHA512"

    /// The name used in the `algorithm` parameter of an `otpauth://` URI (`SHA1`, `SHA256`, `SHA512`).
    public var uriName: String { rawValue }

    /// The secret length Tessera generates for this algorithm: the hash's output size (RFC 6238's seeds are
    /// 20, 32 and 64 bytes), so the key is never the weakest link.
    public var recommendedSecretByteCount: Int {
        switch self {
        case .sha1: 20
        case .sha256: 32
        case .sha512: 64
        }
    }

    /// Parses an `algorithm` parameter value, ignoring letter case (`sha256` and `SHA256` are accepted).
    ///
    /// - Parameter uriName: The parameter's value.
    /// - Returns: The algorithm, or `nil` for an unknown name.
    public init?(uriName: String) {
        switch uriName.uppercased() {
        case "SHA1": self = .sha1
        case "SHA256": self = .sha256
        case "SHA512": self = .sha512
        default: return nil
        }
    }

    /// The algorithm's URI name.
    public var description: String { rawValue }

    /// Computes HMAC(`key`, `message`) with this algorithm's hash.
    func authenticationCode(for message: [UInt8], key: SymmetricKey) -> [UInt8] {
        switch self {
        case .sha1: Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: key))
        case .sha256: Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
        case .sha512: Array(HMAC<SHA512>.authenticationCode(for: message, using: key))
        }
    }
}
