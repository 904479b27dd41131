import TesseraCrypto

/// The keys the flows derive from the root key, each for one purpose (HKDF, see `RootKey.derivedKey`).
public struct AuthKeys: Sendable, CustomStringConvertible {
    /// Derives a refresh token's successor, so a concurrent refresh can be handed the same one again.
    let refreshSuccessor: SecretBytes
    /// Keys the HMAC under which recovery codes are stored.
    let recoveryCodes: SecretBytes

    /// The purpose strings (never change them: stored recovery-code hashes depend on them).
    static let refreshSuccessorPurpose = "tessera.auth.refresh-successor.v1"
    static let recoveryCodePurpose = "tessera.auth.recovery-code.v1"

    /// Derives the keys from the root key.
    /// - Parameter rootKey: The deployment's root key.
    public init(rootKey: RootKey) {
        self.refreshSuccessor = rootKey.derivedKey(purpose: Self.refreshSuccessorPurpose)
        self.recoveryCodes = rootKey.derivedKey(purpose: Self.recoveryCodePurpose)
    }

    /// Fresh random keys (tests and throwaway servers).
    public static func random() -> AuthKeys {
        AuthKeys(refreshSuccessor: .random(count: 32, locked: true), recoveryCodes: .random(count: 32, locked: true))
    }

    private init(refreshSuccessor: SecretBytes, recoveryCodes: SecretBytes) {
        self.refreshSuccessor = refreshSuccessor
        self.recoveryCodes = recoveryCodes
    }

    /// Redacted.
    public var description: String { "AuthKeys(redacted)" }
}
