internal import Crypto

/// A server-side secret mixed into every password before Argon2, so a stolen database alone cannot be attacked
/// offline.
///
/// Design: the Argon2 password input is `HMAC-SHA256(pepper key, NFKC-normalised password)` — 32 bytes —
/// rather than passing the pepper as Argon2's secret input (K). Both are sound; the HMAC keeps Argon2's
/// input to plain (password, salt) so libsodium's faster `crypto_pwhash` still applies, and any Argon2
/// implementation can verify the hash given the HMAC output. The PHC string records the pepper's ``id`` as the
/// standard `keyid` parameter (`$argon2id$v=19$m=19456,t=2,p=1,keyid=pep1$…$…`), which tells peppered and
/// unpeppered hashes apart, names the key to use when peppers rotate, and makes a hash peppered with a key the
/// service does not hold fail loudly (``CryptoError/Code/pepperMismatch``) instead of looking like a wrong
/// password.
///
/// Keep the key outside the database (a mounted secret or the environment), at least 32 random bytes.
public struct Pepper: Sendable, CustomStringConvertible {
    /// The pepper's public identifier, written into PHC strings as `keyid`.
    public let id: String
    /// The secret key.
    public let key: SecretBytes

    /// Creates a pepper.
    ///
    /// - Parameters:
    ///   - id: 1…32 characters from `A–Z a–z 0–9 / + . -` (the PHC format's value alphabet).
    ///   - key: The secret HMAC key, 16…1024 bytes (32 random bytes recommended).
    /// - Throws: ``CryptoError/Code/invalidParameter`` when the id or key length is unacceptable.
    public init(id: String, key: SecretBytes) throws {
        guard Self.isValidID(id) else {
            throw CryptoError(.invalidParameter, "pepper id must be 1...32 characters of [A-Za-z0-9/+.-]")
        }
        guard (16...1024).contains(key.count) else {
            throw CryptoError(.invalidParameter, "pepper key must be 16...1024 bytes")
        }
        self.id = id
        self.key = key
    }

    /// Whether `id` can be a pepper identifier: 1…32 characters of the PHC value alphabet `[A-Za-z0-9/+.-]`.
    ///
    /// - Parameter id: The candidate identifier.
    /// - Returns: `true` when it is acceptable.
    public static func isValidID(_ id: String) -> Bool {
        let utf8 = id.utf8
        return (1...32).contains(utf8.count)
            && utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "/"), UInt8(ascii: "+"),
                    UInt8(ascii: "."), UInt8(ascii: "-"):
                    true
                default:
                    false
                }
            }
    }

    /// Shows the id only, never the key.
    public var description: String { "Pepper(id: \(id), key: redacted)" }

    /// `HMAC-SHA256(key, password)`, written straight into zeroing storage.
    ///
    /// swift-crypto keeps its copy of the key in storage it zeroes on release; the MAC value itself is a
    /// short-lived stack value that cannot be wiped from Swift, a limit accepted here.
    func apply(to password: SecretBytes) -> SecretBytes {
        let symmetricKey = key.withUnsafeBytes { SymmetricKey(data: $0) }
        let mac = password.withUnsafeBytes { HMAC<SHA256>.authenticationCode(for: $0, using: symmetricKey) }
        return mac.withUnsafeBytes { macBuffer in
            SecretBytes(count: macBuffer.count) { $0.copyMemory(from: macBuffer) }
        }
    }
}
