internal import Crypto
import Foundation

extension RootKey {
    /// The HKDF salt for every purpose key (a fixed, public domain separator).
    static let derivationSalt = Array("tessera.root-key.hkdf.v1".utf8)

    /// Derives a 32-byte purpose key: HKDF-SHA256 (RFC 5869) with the derivation base as input key material, the
    /// salt `tessera.root-key.hkdf.v1` and `purpose` as info.
    ///
    /// The derivation base is the root key itself for a key in memory that was never rotated (so these keys are
    /// what they always were), a value computed in the device for a key in a device, or the base carried over
    /// from the previous root key after a rotation. Distinct purposes give independent keys, so the audit key
    /// reveals nothing about another purpose's key.
    ///
    /// - Parameter purpose: A fixed label such as `tessera.audit.v1`.
    /// - Returns: The derived key, in locked memory.
    public func derivedKey(purpose: String) -> SecretBytes {
        Self.hkdf(derivationBase, purpose: purpose)
    }

    /// HKDF-SHA256 of `material` with the fixed salt and `purpose` as info, 32 bytes in locked memory.
    static func hkdf(_ material: SecretBytes, purpose: String) -> SecretBytes {
        let derived = material.withUnsafeBytes { input in
            HKDF<SHA256>.deriveKey(
                inputKeyMaterial: SymmetricKey(data: input),
                salt: Self.derivationSalt,
                info: Array(purpose.utf8),
                outputByteCount: EnvelopeFormat.keyByteCount
            )
        }
        return derived.withUnsafeBytes { source in
            SecretBytes(count: source.count, locked: true) { $0.copyMemory(from: source) }
        }
    }

    /// The label at the start of the associated data of a wrapped derivation base.
    static let derivationBaseLabel = Array("tessera.root-key.derivation-base.v1".utf8)

    /// Wraps `previous`'s derivation base under this root key, for the keyring's root key record: after a root key
    /// rotation the purpose keys stay those of the keyring's first root key.
    ///
    /// Same layout as a wrapped master key (61 bytes); the associated data is
    /// `tessera.root-key.derivation-base.v1 ‖ 0x00`, so it cannot be confused with a master key version.
    ///
    /// - Parameter previous: The root key being replaced (itself possibly carrying an older base).
    /// - Returns: The wrapped bytes.
    /// - Throws: What the device throws, for a key in a device.
    public func wrapDerivationBase(of previous: RootKey) throws -> [UInt8] {
        try seal(previous.derivationBase, aad: Self.derivationBaseLabel + [0])
    }

    /// This root key with the derivation base carried over from the previous root key, unwrapped from `wrapped`.
    ///
    /// - Parameter wrapped: Bytes made by ``wrapDerivationBase(of:)`` on this key.
    /// - Returns: The key whose ``derivedKey(purpose:)`` gives the keyring's purpose keys.
    /// - Throws: ``CryptoError/authenticationFailure`` when the bytes were not wrapped under this root key.
    public func carryingDerivationBase(_ wrapped: [UInt8]) throws -> RootKey {
        let base = try open(wrapped, aad: Self.derivationBaseLabel + [0])
        guard base.count == EnvelopeFormat.keyByteCount else { throw CryptoError.authenticationFailure }
        let held = base.withUnsafeBytes { source in
            SecretBytes(count: source.count, locked: true) { $0.copyMemory(from: source) }
        }
        return RootKey(carrying: self, derivationBase: held)
    }
}
