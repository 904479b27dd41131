internal import Crypto
import Foundation

/// AES-256-GCM with 96-bit nonces and 128-bit tags, through swift-crypto (BoringSSL on Linux).
///
/// The only AEAD used by envelopes. It keeps the nonce and tag apart from the ciphertext so the format can lay
/// them out explicitly, and turns every failure to open into the one opaque ``CryptoError/authenticationFailure``.
enum AESGCM256 {
    /// Encrypts `plaintext` under `key` with an explicit nonce.
    ///
    /// - Parameters:
    ///   - plaintext: The bytes to encrypt.
    ///   - key: A 32-byte key.
    ///   - nonce: A 12-byte nonce; callers draw it at random (`SecureRandom`), tests pass known answers.
    ///   - aad: The associated data to authenticate.
    /// - Returns: The ciphertext (as long as the plaintext) and the 16-byte tag.
    /// - Throws: `CryptoError(.invalidParameter)` for a wrong key or nonce length.
    static func seal(
        _ plaintext: some ContiguousBytes,
        key: some ContiguousBytes,
        nonce: [UInt8],
        aad: [UInt8]
    ) throws -> (ciphertext: [UInt8], tag: [UInt8]) {
        let gcmKey = try makeKey(key)
        guard nonce.count == EnvelopeFormat.nonceByteCount else {
            throw CryptoError(.invalidParameter, "AES-GCM nonce must be 12 bytes")
        }
        do {
            let gcmNonce = try AES.GCM.Nonce(data: nonce)
            let box = try plaintext.withUnsafeBytes { buffer in
                try AES.GCM.seal(buffer, using: gcmKey, nonce: gcmNonce, authenticating: aad)
            }
            return (Array(box.ciphertext), Array(box.tag))
        } catch {
            throw CryptoError(.internalFailure, "AES-GCM encryption failed")
        }
    }

    /// Decrypts and authenticates.
    ///
    /// - Parameters:
    ///   - ciphertext: The ciphertext.
    ///   - tag: The 16-byte tag.
    ///   - key: A 32-byte key.
    ///   - nonce: The 12-byte nonce used to seal.
    ///   - aad: The associated data used to seal.
    /// - Returns: The plaintext, in memory that is zeroed when released.
    /// - Throws: ``CryptoError/authenticationFailure`` for any failure, whatever its cause.
    static func open(
        ciphertext: [UInt8],
        tag: [UInt8],
        key: some ContiguousBytes,
        nonce: [UInt8],
        aad: [UInt8]
    ) throws -> SecretBytes {
        guard nonce.count == EnvelopeFormat.nonceByteCount, tag.count == EnvelopeFormat.tagByteCount,
            let gcmKey = try? makeKey(key)
        else {
            throw CryptoError.authenticationFailure
        }
        do {
            let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: nonce), ciphertext: ciphertext, tag: tag)
            var plaintext = try AES.GCM.open(box, using: gcmKey, authenticating: aad)
            defer { plaintext.resetBytes(in: 0..<plaintext.count) }
            // Copied straight from the decrypted buffer: `SecretBytes(copying:)` would leave an unzeroed array.
            return plaintext.withUnsafeBytes { source in
                SecretBytes(count: source.count) { $0.copyMemory(from: source) }
            }
        } catch {
            throw CryptoError.authenticationFailure
        }
    }

    private static func makeKey(_ key: some ContiguousBytes) throws -> SymmetricKey {
        let count = key.withUnsafeBytes { $0.count }
        guard count == EnvelopeFormat.keyByteCount else {
            throw CryptoError(.invalidParameter, "AES-256-GCM key must be 32 bytes")
        }
        return SymmetricKey(data: key)
    }
}
