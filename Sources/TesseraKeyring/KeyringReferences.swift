import Foundation

/// The data keys still wrapped by master key versions that are no longer active (decrypt-only versions), as counted
/// by a scan of the stored secrets: what keeps a version from being retired after a rotation.
///
/// Counted by ``KeyringManager/countReferences(now:)``; the server exports it as the `tessera_keyring_old_version_*`
/// gauges (docs/observability.md) so an alert fires when a rotation's rewrap is forgotten.
public struct KeyringReferences: Sendable, Hashable {
    /// One decrypt-only version.
    public struct Version: Sendable, Hashable {
        /// The version number.
        public let version: Int
        /// Provider keys whose `encrypted_dek` names this version.
        public let providerKeys: Int64
        /// Users' sealed TOTP secrets wrapped under this version.
        public let totpSecrets: Int64
        /// When it stopped being the active version: the creation of the next version (rotation creates the new
        /// version and activates it in one step).
        public let supersededAt: Date

        /// Every data key it still wraps.
        public var dataKeys: Int64 { providerKeys + totpSecrets }

        /// Creates a version's count.
        ///
        /// - Parameters:
        ///   - version: The version number.
        ///   - providerKeys: Provider keys under it.
        ///   - totpSecrets: TOTP secrets under it.
        ///   - supersededAt: When it stopped being active.
        public init(version: Int, providerKeys: Int64, totpSecrets: Int64, supersededAt: Date) {
            self.version = version
            self.providerKeys = providerKeys
            self.totpSecrets = totpSecrets
            self.supersededAt = supersededAt
        }
    }

    /// Every decrypt-only version, ascending (retired versions wrap nothing; the active one is not old).
    public let versions: [Version]
    /// When the count was made.
    public let countedAt: Date

    /// Creates a count.
    ///
    /// - Parameters:
    ///   - versions: The decrypt-only versions, ascending.
    ///   - countedAt: When the count was made.
    public init(versions: [Version], countedAt: Date) {
        self.versions = versions
        self.countedAt = countedAt
    }

    /// How long ago the longest-superseded version that still wraps a data key stopped being active, at the time
    /// of the count; zero when no old version wraps anything.
    public var oldestReferencedAge: TimeInterval {
        guard let oldest = versions.filter({ $0.dataKeys > 0 }).map(\.supersededAt).min() else { return 0 }
        return max(0, countedAt.timeIntervalSince(oldest))
    }
}
