import Foundation
import TesseraAudit
import TesseraCrypto
import TesseraStore

extension KeyringManager {
    /// Adds a new random master key version and makes it active; the previous active version becomes
    /// decrypt-only (it still opens what it wrapped). Every process sees it at its next poll.
    ///
    /// - Parameter now: The creation time to record.
    /// - Returns: The new version number.
    /// - Throws: ``KeyringError/Code/concurrentChange`` when other rotations keep winning the version number,
    ///   `StoreError`.
    @discardableResult
    public func rotate(now: Date = Date()) async throws -> Int {
        for _ in 0..<5 {
            let records = try await store.masterKeyVersions()
            let previous = records.first { $0.state == .active }?.version
            let next = (records.map(\.version).max() ?? 0) + 1
            guard let version = UInt32(exactly: next) else {
                throw KeyringError(.corruptKeyring, "master key versions are exhausted")
            }
            let key = try MasterKey.generate(version: version)
            let record = MasterKeyVersionRecord(
                version: next, wrappedKey: try rootKey.wrapMasterKey(key), state: .active, createdAt: now
            )
            do {
                try await store.insertMasterKeyVersion(record)
            } catch let error as StoreError where error.code == .duplicateKeyVersion {
                continue
            }
            try await reload()
            logger.info("master key rotated", metadata: ["version": "\(next)"])
            try await audit?.append(
                entity: KeyringAudit.entity, action: KeyringAudit.rotated,
                payload: KeyringAudit.payload {
                    $0.set(KeyringAudit.version, keyVersion: next)
                    if let previous { $0.set(KeyringAudit.previousVersion, keyVersion: previous) }
                    $0.set(KeyringAudit.outcome, outcome: .succeeded)
                },
                at: now
            )
            return next
        }
        throw KeyringError(.concurrentChange, "other processes kept rotating the keyring; try again")
    }

    /// Rotates only if `version` is still the active version (and the highest): the automatic rotation of a usage
    /// policy, which every replica may decide at once. Exactly one of them creates the next version; the others get
    /// nil.
    ///
    /// - Parameters:
    ///   - version: The version the caller saw active.
    ///   - now: The creation time to record.
    /// - Returns: The new version, or nil when another process rotated first.
    /// - Throws: `StoreError`.
    public func rotate(replacing version: Int, now: Date = Date()) async throws -> Int? {
        let records = try await store.masterKeyVersions()
        guard records.first(where: { $0.state == .active })?.version == version,
            records.map(\.version).max() == version, let next = UInt32(exactly: version + 1)
        else { return nil }
        let key = try MasterKey.generate(version: next)
        let record = MasterKeyVersionRecord(
            version: Int(next), wrappedKey: try rootKey.wrapMasterKey(key), state: .active, createdAt: now
        )
        do {
            try await store.insertMasterKeyVersion(record)
        } catch let error as StoreError where error.code == .duplicateKeyVersion {
            return nil
        }
        try await reload()
        logger.notice("master key rotated by the usage policy", metadata: ["version": "\(next)"])
        try await audit?.append(
            entity: KeyringAudit.entity, action: KeyringAudit.rotated,
            payload: KeyringAudit.payload {
                $0.set(KeyringAudit.version, keyVersion: Int(next))
                $0.set(KeyringAudit.previousVersion, keyVersion: version)
                $0.set(KeyringAudit.reason, identifier: AuditName("usage_policy"))
                $0.set(KeyringAudit.outcome, outcome: .succeeded)
            },
            at: now
        )
        return Int(next)
    }

    /// Retires a decrypt-only version once nothing references it: its stored count of data keys is 0 and no
    /// provider key's `encrypted_dek` names it. Its material is no longer loaded anywhere. Retiring a retired
    /// version does nothing.
    ///
    /// - Parameter version: The version.
    /// - Throws: ``KeyringError/Code/unknownVersion``, ``KeyringError/Code/activeVersion``,
    ///   ``KeyringError/Code/versionInUse`` (run ``rewrap(batchSize:maxBatches:progress:)`` first), `StoreError`.
    public func retire(version: Int) async throws {
        let records = try await store.masterKeyVersions()
        guard let record = records.first(where: { $0.version == version }) else {
            throw KeyringError(.unknownVersion, "there is no master key version \(version)")
        }
        if record.state == .retired { return }
        guard record.state != .active else {
            try await auditRetire(version, outcome: .refused, reason: AuditName("active_version"), references: 0)
            throw KeyringError(
                .activeVersion,
                "master key version \(version) is the active version; rotate first, then rewrap, then retire it"
            )
        }
        let prefix = ProviderDEKFilter.prefixed(Self.dekPrefix(version: version))
        let providerKeys = try await store.countProviderDEKs(prefix)
        let totpSecrets = try await store.countSealedTOTPSecrets(prefix)
        let references = providerKeys + totpSecrets
        guard references == 0, record.dekCount == 0 else {
            try await auditRetire(
                version, outcome: .refused, reason: AuditName("still_referenced"),
                references: max(references, record.dekCount)
            )
            throw KeyringError(
                .versionInUse,
                "master key version \(version) still wraps \(max(references, record.dekCount)) data keys "
                    + "(\(providerKeys) provider keys, \(totpSecrets) TOTP secrets, stored count \(record.dekCount)); "
                    + "run 'tessera keys rewrap' first"
            )
        }
        do {
            try await store.setMasterKeyState(version: version, state: .retired)
        } catch let error as StoreError where error.code == .invalidValue {
            throw KeyringError(.versionInUse, "master key version \(version) gained data keys meanwhile; rewrap again")
        }
        try await reload()
        logger.info("master key version retired", metadata: ["version": "\(version)"])
        try await auditRetire(version, outcome: .succeeded, reason: nil, references: 0)
    }

    private func auditRetire(_ version: Int, outcome: AuditOutcome, reason: AuditName?, references: Int64)
        async throws
    {
        try await audit?.append(
            entity: KeyringAudit.entity, action: KeyringAudit.retired,
            payload: KeyringAudit.payload {
                $0.set(KeyringAudit.version, keyVersion: version)
                $0.set(KeyringAudit.outcome, outcome: outcome)
                $0.set(KeyringAudit.references, count: references)
                if let reason { $0.set(KeyringAudit.reason, identifier: reason) }
            }
        )
    }
}
