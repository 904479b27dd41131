import Foundation
import TesseraAudit
import TesseraCrypto
import TesseraStore

extension KeyringManager {
    /// Sets when the keyring warns about and rotates away from a heavily used or old version.
    ///
    /// - Parameter policy: The policy.
    public nonisolated func configureUsage(_ policy: KeyringUsagePolicy) {
        usage.policy = policy
    }

    /// The active version's usage as known without a query: the stored total at the last flush plus the wraps this
    /// process has counted since.
    ///
    /// - Returns: The usage.
    public nonisolated func currentUsage() -> KeyringUsage {
        let active = Int(cipher.keyring.activeVersion)
        return KeyringUsage(
            activeVersion: active, activeWraps: usage.stored(active) + wrapCounters.pending(active),
            warnAfterWraps: usage.policy.warnAfterWraps
        )
    }

    /// Adds the wraps this process counted since the last flush to the stored totals, then reads the totals back
    /// (so ``currentUsage()`` includes every replica's work). Called by every poll of ``run(pollInterval:readTimeout:)``.
    ///
    /// - Returns: The stored records, as read after the flush.
    /// - Throws: `StoreError`; the counts are kept for the next flush.
    @discardableResult
    public func flushUsage() async throws -> [MasterKeyVersionRecord] {
        let counts = wrapCounters.takeAll()
        do {
            try await store.addWrapCounts(counts)
        } catch {
            wrapCounters.restore(counts)
            throw error
        }
        let records = try await store.masterKeyVersions()
        usage.recordStored(Dictionary(uniqueKeysWithValues: records.map { ($0.version, $0.wrapCount) }))
        return records
    }

    /// Flushes the usage, warns past the threshold, and rotates when the policy asks for it and the active version
    /// is past a limit. Only the process that wins the new version number rotates; the others see the new version at
    /// their next poll.
    ///
    /// - Parameter now: The current time.
    /// - Returns: The version created, or nil.
    /// - Throws: `StoreError`, ``KeyringError``.
    @discardableResult
    public func checkUsage(now: Date = Date()) async throws -> Int? {
        let records = try await flushUsage()
        let policy = usage.policy
        guard let active = records.first(where: { $0.state == .active }) else { return nil }
        if active.wrapCount >= policy.warnAfterWraps {
            logger.warning(
                "the active master key version is past its usage warning",
                metadata: ["version": "\(active.version)", "wraps": "\(active.wrapCount)"]
            )
        }
        var due = false
        if let limit = policy.rotateAfterWraps, active.wrapCount >= limit { due = true }
        if let age = policy.rotateAfterAge, now.timeIntervalSince(active.createdAt) >= Double(age.components.seconds) {
            due = true
        }
        guard due else { return nil }
        return try await rotate(replacing: active.version, now: now)
    }
}
