import Foundation
import TesseraStore

/// A snapshot of the persistent keyring for `tessera keys status`: versions, states, counts and fingerprints.
public struct KeyringStatus: Sendable, Hashable {
    /// One master key version.
    public struct Version: Sendable, Hashable {
        /// The version number.
        public let version: Int
        /// Its state.
        public let state: MasterKeyState
        /// When it was created.
        public let createdAt: Date
        /// The stored count of data keys wrapped under it.
        public let dekCount: Int64
        /// Data keys wrapped (AES-GCM encryptions) under it so far, across every process, as last flushed.
        public let wrapCount: Int64
        /// Provider keys whose `encrypted_dek` names this version (counted by a scan).
        public let providerKeys: Int64
        /// Users' sealed TOTP secrets under this version (counted by a scan).
        public let totpSecrets: Int64
        /// SHA-256 of the wrapped (root-key-encrypted) material, 16 hex digits: tells rows apart.
        public let wrappedFingerprint: String
        /// The master key's own fingerprint (as in ``TesseraCrypto/MasterKey/fingerprint``), nil when retired.
        public let keyFingerprint: String?
    }

    /// The keyring revision (moves on every change).
    public let revision: Int64
    /// The active version.
    public let activeVersion: Int
    /// Every version, ascending.
    public let versions: [Version]
    /// The root key's fingerprint.
    public let rootKeyFingerprint: String
    /// The rewrap, if one was ever started.
    public let rewrap: RewrapJobRecord?
    /// The active version's usage against the warning threshold.
    public let usage: KeyringUsage
}
