import Foundation

/// The row of `tessera.root_key`: which root key the keyring is wrapped under, once a root key rotation has
/// happened, and the derivation base of the purpose keys carried over from the keyring's first root key.
///
/// A keyring that was never rotated has no such row: its root key is its own derivation base.
public struct RootKeyRecord: Sendable, Hashable {
    /// The fingerprint of the root key every master key version is wrapped under (public, 16 hex digits).
    public var fingerprint: String
    /// The purpose keys' derivation base, wrapped under that root key (61 bytes, never a key in clear).
    public var wrappedDerivationBase: [UInt8]
    /// When the keyring moved to that root key.
    public var rotatedAt: Date

    /// Creates a record.
    /// - Parameters:
    ///   - fingerprint: The current root key's fingerprint.
    ///   - wrappedDerivationBase: The derivation base wrapped under it.
    ///   - rotatedAt: When the rotation committed.
    public init(fingerprint: String, wrappedDerivationBase: [UInt8], rotatedAt: Date) {
        self.fingerprint = fingerprint
        self.wrappedDerivationBase = wrappedDerivationBase
        self.rotatedAt = rotatedAt
    }
}
