/// A device that holds a root key and never exports it (an HSM through PKCS#11): the two operations Tessera needs
/// from the root key, performed inside the device.
///
/// - AES-256-GCM with the device's key, to wrap and unwrap master key versions (``RootKey/wrapMasterKey(_:)``):
///   the wrapping key never exists outside the device.
/// - A pseudorandom function of the device's key over a fixed, public label, called twice when the key is loaded
///   (``RootKey/init(device:origin:)``): once for the derivation base of the purpose keys (the audit and login
///   keys, needed on every request, so derived in software from that base), once for the fingerprint.
///
/// Implementations report failures as `CryptoError` with messages that name the device, never a PIN or key.
public protocol RootKeyDevice: Sendable {
    /// Encrypts with AES-256-GCM under the device's key.
    ///
    /// - Parameters:
    ///   - plaintext: The bytes to encrypt (a master key).
    ///   - nonce: A 12-byte nonce drawn by the caller from the OS CSPRNG.
    ///   - aad: The associated data.
    /// - Returns: The ciphertext followed by the 16-byte tag.
    /// - Throws: `CryptoError` when the device fails.
    func sealAESGCM(_ plaintext: SecretBytes, nonce: [UInt8], aad: [UInt8]) throws -> [UInt8]

    /// Decrypts and authenticates with AES-256-GCM under the device's key.
    ///
    /// - Parameters:
    ///   - sealed: The ciphertext followed by the 16-byte tag.
    ///   - nonce: The nonce used to seal.
    ///   - aad: The associated data used to seal.
    /// - Returns: The plaintext, in memory that is zeroed when released.
    /// - Throws: ``CryptoError/authenticationFailure`` when it does not open; `CryptoError` when the device fails.
    func openAESGCM(_ sealed: [UInt8], nonce: [UInt8], aad: [UInt8]) throws -> SecretBytes

    /// Computes 32 bytes from the device's key and a fixed label (a PRF, e.g. a KDF over AES-CMAC): the same label
    /// always gives the same bytes, and the bytes reveal nothing about the key.
    ///
    /// - Parameter label: A public, fixed label.
    /// - Returns: 32 bytes in locked memory.
    /// - Throws: `CryptoError` when the device fails.
    func derive(label: [UInt8]) throws -> SecretBytes
}
