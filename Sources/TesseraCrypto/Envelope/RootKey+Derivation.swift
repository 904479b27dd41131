internal import Crypto
import Foundation

extension RootKey {
    /// The HKDF salt for every purpose key (a fixed, public domain separator).
    static let derivationSalt = Array("tessera.root-key.hkdf.v1".utf8)

    /// Derives a 32-byte purpose key: HKDF-SHA256 (RFC 5869) with the root key as input key material, the salt
    /// `tessera.root-key.hkdf.v1` and `purpose` as info.
    ///
    /// Distinct purposes give independent keys, so the audit key reveals nothing about the wrapping key.
    ///
    /// - Parameter purpose: A fixed label such as `tessera.audit.v1`.
    /// - Returns: The derived key, in locked memory.
    public func derivedKey(purpose: String) -> SecretBytes {
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
}
