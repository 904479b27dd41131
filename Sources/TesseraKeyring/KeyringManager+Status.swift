internal import Crypto
import Foundation
import TesseraStore

extension KeyringManager {
    /// The keyring as stored, with reference counts (a scan of provider keys per version), wrap counts (this
    /// process's flushed first), the rewrap and fingerprints.
    ///
    /// - Returns: The status.
    /// - Throws: `StoreError`.
    public func status() async throws -> KeyringStatus {
        try await refreshIfChanged()
        let revision = loadedRevision
        let keyring = cipher.keyring
        var versions: [KeyringStatus.Version] = []
        for record in try await flushUsage() {
            let prefix = ProviderDEKFilter.prefixed(Self.dekPrefix(version: record.version))
            let references = try await store.countProviderDEKs(prefix)
            let totpSecrets = try await store.countSealedTOTPSecrets(prefix)
            let digest = SHA256.hash(data: record.wrappedKey)
            let hex = digest.map { String(format: "%02x", $0) }.joined()
            versions.append(
                KeyringStatus.Version(
                    version: record.version, state: record.state, createdAt: record.createdAt,
                    dekCount: record.dekCount, wrapCount: record.wrapCount, providerKeys: references,
                    totpSecrets: totpSecrets,
                    wrappedFingerprint: String(hex.prefix(16)),
                    keyFingerprint: UInt32(exactly: record.version).flatMap { keyring.key(version: $0)?.fingerprint }
                )
            )
        }
        return KeyringStatus(
            revision: revision, activeVersion: Int(keyring.activeVersion), versions: versions,
            rootKeyFingerprint: rootKeyFingerprint, rewrap: try await store.rewrapJob(), usage: currentUsage()
        )
    }
}
