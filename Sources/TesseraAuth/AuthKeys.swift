import TesseraCrypto

/// The keys the flows derive from the root key, each for one purpose (HKDF, see `RootKey.derivedKey`).
public struct AuthKeys: Sendable, CustomStringConvertible {
    /// Derives a refresh token's successor, so a concurrent refresh can be handed the same one again.
    let refreshSuccessor: SecretBytes
    /// Keys the HMAC under which recovery codes are stored.
    let recoveryCodes: SecretBytes
    /// Keys the HMAC under which numeric password-reset codes are stored (bound to their reset's id).
    let resetCodes: SecretBytes
    /// Keys the HMAC of an email address that the per-account reset-request limit counts by.
    let resetSubjects: SecretBytes

    /// The purpose strings (never change them: stored recovery-code hashes depend on them).
    static let refreshSuccessorPurpose = "tessera.auth.refresh-successor.v1"
    static let recoveryCodePurpose = "tessera.auth.recovery-code.v1"
    static let resetCodePurpose = "tessera.auth.reset-code.v1"
    static let resetSubjectPurpose = "tessera.auth.reset-subject.v1"

    /// Derives the keys from the root key.
    /// - Parameter rootKey: The deployment's root key.
    public init(rootKey: RootKey) {
        self.refreshSuccessor = rootKey.derivedKey(purpose: Self.refreshSuccessorPurpose)
        self.recoveryCodes = rootKey.derivedKey(purpose: Self.recoveryCodePurpose)
        self.resetCodes = rootKey.derivedKey(purpose: Self.resetCodePurpose)
        self.resetSubjects = rootKey.derivedKey(purpose: Self.resetSubjectPurpose)
    }

    /// Fresh random keys (tests and throwaway servers).
    public static func random() -> AuthKeys {
        AuthKeys(
            refreshSuccessor: .random(count: 32, locked: true), recoveryCodes: .random(count: 32, locked: true),
            resetCodes: .random(count: 32, locked: true), resetSubjects: .random(count: 32, locked: true)
        )
    }

    private init(
        refreshSuccessor: SecretBytes, recoveryCodes: SecretBytes, resetCodes: SecretBytes, resetSubjects: SecretBytes
    ) {
        self.refreshSuccessor = refreshSuccessor
        self.recoveryCodes = recoveryCodes
        self.resetCodes = resetCodes
        self.resetSubjects = resetSubjects
    }

    /// Redacted.
    public var description: String { "AuthKeys(redacted)" }
}
