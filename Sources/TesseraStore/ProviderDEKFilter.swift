/// Which stored keys a keyring scan selects, by their leading bytes: provider keys' `encrypted_dek` (a wrapped
/// key) and users' `totp_secret` (a sealed envelope) both start with the format byte and the master key version.
///
/// The store does no cryptography and does not parse wrapped keys: the keyring passes the byte prefix that names a
/// master key version (format byte + big-endian version, see `docs/envelope-format.md`) and the store compares bytes.
public enum ProviderDEKFilter: Sendable, Hashable {
    /// Rows whose `encrypted_dek` starts with these bytes (e.g. the keys wrapped under one version).
    case prefixed([UInt8])
    /// Rows whose `encrypted_dek` does not start with these bytes (e.g. the keys not yet under the active version).
    case notPrefixed([UInt8])

    /// The prefix compared.
    public var prefix: [UInt8] {
        switch self {
        case .prefixed(let bytes), .notPrefixed(let bytes): bytes
        }
    }

    /// Whether rows must match the prefix (true) or must not (false).
    public var matches: Bool {
        switch self {
        case .prefixed: true
        case .notPrefixed: false
        }
    }
}
