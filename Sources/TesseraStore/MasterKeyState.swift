import Foundation

/// The lifecycle state of a master key version, as stored in `tessera.keyring_versions.state`.
public enum MasterKeyState: String, Sendable, Hashable, CaseIterable {
    /// Wraps new data keys; at most one version is active.
    case active
    /// Still unwraps existing data keys, wraps no new ones.
    case decryptOnly = "decrypt_only"
    /// No longer used; only allowed when no data key is wrapped under it.
    case retired
}
