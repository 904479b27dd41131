import Foundation
import TesseraStore

extension KeyringManager {
    /// Counts the data keys still wrapped by each decrypt-only master key version: one scan of the provider keys
    /// and one of the users' TOTP secrets per such version, and no scan at all when every old version is retired
    /// (the steady state), so it is meant for a slow loop (the server runs it every `keyring_references_seconds`),
    /// never per request.
    ///
    /// - Parameter now: The time recorded as the count's.
    /// - Returns: The count.
    /// - Throws: `StoreError`.
    public func countReferences(now: Date = Date()) async throws -> KeyringReferences {
        let records = try await store.masterKeyVersions().sorted { $0.version < $1.version }
        var versions: [KeyringReferences.Version] = []
        for (index, record) in records.enumerated() where record.state == .decryptOnly {
            let prefix = ProviderDEKFilter.prefixed(Self.dekPrefix(version: record.version))
            let successor = records[(index + 1)...].map(\.createdAt).min()
            versions.append(
                KeyringReferences.Version(
                    version: record.version,
                    providerKeys: try await store.countProviderDEKs(prefix),
                    totpSecrets: try await store.countSealedTOTPSecrets(prefix),
                    supersededAt: successor ?? record.createdAt
                )
            )
        }
        return KeyringReferences(versions: versions, countedAt: now)
    }
}
