import TesseraCrypto

/// Where a PKCS#11 root key is: the module, the token, the key, and the user PIN.
public struct PKCS11RootKeyConfiguration: Sendable {
    /// The PKCS#11 module (e.g. `/usr/lib/softhsm/libsofthsm2.so`).
    public var modulePath: String
    /// The token's label.
    public var tokenLabel: String
    /// The secret key's label (CKA_LABEL).
    public var keyLabel: String
    /// The user PIN, in memory that is zeroed when released.
    public var pin: SecretBytes

    /// Creates a configuration.
    /// - Parameters:
    ///   - modulePath: The module's path.
    ///   - tokenLabel: The token's label.
    ///   - keyLabel: The key's label.
    ///   - pin: The user PIN.
    public init(modulePath: String, tokenLabel: String, keyLabel: String, pin: SecretBytes) {
        self.modulePath = modulePath
        self.tokenLabel = tokenLabel
        self.keyLabel = keyLabel
        self.pin = pin
    }

    /// How the key is named in messages: `pkcs11 token T key K`.
    public var origin: String { "pkcs11 token \(tokenLabel) key \(keyLabel)" }
}
