import Foundation
import TesseraCrypto

/// The key that signs audit entries: HMAC-SHA256 key derived from the root key with HKDF (purpose
/// ``purpose``), so it never needs storing and changes only with the root key.
public struct AuditSigningKey: Sendable, CustomStringConvertible {
    /// The HKDF purpose string.
    public static let purpose = "tessera.audit.v1"

    /// The 32 key bytes.
    let material: SecretBytes

    /// Derives the audit key from the root key.
    ///
    /// - Parameter rootKey: The root key.
    public init(rootKey: RootKey) {
        self.material = rootKey.derivedKey(purpose: Self.purpose)
    }

    /// Uses given key bytes (tests, or a key held elsewhere).
    ///
    /// - Parameter material: The HMAC key.
    public init(material: SecretBytes) {
        self.material = material
    }

    /// Redacted.
    public var description: String { "AuditSigningKey(redacted)" }
}
