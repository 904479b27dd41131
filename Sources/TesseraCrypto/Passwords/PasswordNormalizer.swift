import Foundation

/// Turns a password `String` into the exact bytes Argon2 sees.
///
/// The rules, applied to hashing and verifying alike:
/// - **NFKC.** The password is normalised to Unicode NFKC (Foundation's
///   `precomposedStringWithCompatibilityMapping`), so the same password typed on keyboards or systems that
///   produce composed (NFC) or decomposed (NFD) text, or compatibility forms such as full-width letters, gives
///   the same bytes — as NIST SP 800-63B and RFC 8265 (OpaqueString) recommend.
/// - **Length.** Empty passwords are refused, and so are passwords longer than the policy's
///   `maxPasswordBytes` in UTF-8 bytes *after* normalisation. Input longer than four times that limit before
///   normalisation is refused without normalising it (NFKC shrinks text by at most a factor of four, e.g.
///   U+1D400 → "A"), which bounds the work an attacker can ask for.
/// - **No NUL.** A password containing U+0000 is refused. C-string based systems silently truncate at NUL,
///   so such a password cannot be carried portably between systems, and accepting it would let
///   `"secret\0anything"` mean different things to different components; it is almost always an injection or a
///   client bug.
///
/// The UTF-8 bytes are written straight into ``SecretBytes``, which zero themselves; the `String` the caller
/// passed and Foundation's normalised copy are ordinary Swift strings that cannot be wiped, a known limit.
enum PasswordNormalizer {
    /// The normalised password bytes, or ``CryptoError/Code/invalidPassword``.
    static func normalize(_ password: String, maxBytes: Int) throws -> SecretBytes {
        let rawLength = password.utf8.count
        guard rawLength > 0 else { throw CryptoError(.invalidPassword, "password is empty") }
        guard rawLength <= maxBytes * 4 else { throw CryptoError(.invalidPassword, "password is too long") }
        let normalized = password.precomposedStringWithCompatibilityMapping
        let utf8 = normalized.utf8
        guard !utf8.isEmpty else { throw CryptoError(.invalidPassword, "password is empty") }
        guard utf8.count <= maxBytes else {
            throw CryptoError(.invalidPassword, "password is longer than \(maxBytes) UTF-8 bytes")
        }
        guard !utf8.contains(0) else { throw CryptoError(.invalidPassword, "password contains a NUL character") }
        return SecretBytes(count: utf8.count) { buffer in buffer.copyBytes(from: utf8) }
    }
}
