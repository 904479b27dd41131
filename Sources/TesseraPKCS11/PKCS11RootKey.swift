import TesseraCrypto

/// A root key generated in and kept by a PKCS#11 token (an HSM; SoftHSM2 in the tests).
///
/// The key is a 256-bit AES secret key with CKA_SENSITIVE true and CKA_EXTRACTABLE false: its value never leaves
/// the token. Master key versions are wrapped and unwrapped with CKM_AES_GCM inside the token; the purpose keys'
/// derivation base (and the fingerprint) are computed in the token once, at load, with an SP 800-108 counter-mode
/// KDF over CKM_AES_CMAC of fixed public labels (see docs/keyring.md, "Root key in an HSM").
public enum PKCS11RootKey {
    /// Opens an existing key.
    ///
    /// - Parameter configuration: Module, token label, key label, PIN.
    /// - Returns: The root key, backed by the token.
    /// - Throws: ``PKCS11Error`` (module not loaded, token not found, wrong or missing PIN, key not found or
    ///   extractable), `CryptoError` when the token fails to compute.
    public static func open(_ configuration: PKCS11RootKeyConfiguration) throws -> RootKey {
        try RootKey(device: PKCS11Session(configuration, generate: false), origin: configuration.origin)
    }

    /// Generates a new key in the token (refused when the label is taken) and opens it.
    ///
    /// - Parameter configuration: Module, token label, the new key's label, PIN.
    /// - Returns: The root key, backed by the token.
    /// - Throws: As ``open(_:)``, and ``PKCS11Error/Code/keyExists``.
    public static func generate(_ configuration: PKCS11RootKeyConfiguration) throws -> RootKey {
        try RootKey(device: PKCS11Session(configuration, generate: true), origin: configuration.origin)
    }

    /// Whether the token refuses to reveal the key's value (CKA_VALUE): it must, for a root key (tests prove it).
    ///
    /// - Parameter configuration: Where the key is.
    /// - Returns: True when reading CKA_VALUE fails.
    /// - Throws: As ``open(_:)``.
    public static func tokenRefusesToRevealKey(_ configuration: PKCS11RootKeyConfiguration) throws -> Bool {
        try PKCS11Session(configuration, generate: false).refusesToRevealKey
    }
}
