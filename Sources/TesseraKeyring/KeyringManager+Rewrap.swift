import Foundation
import TesseraAudit
import TesseraCrypto
import TesseraStore

extension KeyringManager {
    /// Re-wraps every provider key's data key (`providers.user_providers.encrypted_dek`) and every user's sealed
    /// TOTP secret (`auth.users.totp_secret`) that is not under the active version, online and in batches, without
    /// touching any encrypted payload (`encrypted_api_key`, the secret's ciphertext).
    ///
    /// Each row is replaced by a compare-and-swap that also moves one count from the old version to the active
    /// one, in one transaction (TOTP secrets are not counted, only scanned); so the run can be stopped anywhere (a
    /// crash, `maxBatches`, task cancellation) and simply run again: it picks up the rows still under old versions.
    /// A row the user replaced meanwhile is left alone (`skipped`); a row whose data key does not open is left as it
    /// is and counted as `failed` (it keeps its version from being retired).
    ///
    /// - Parameters:
    ///   - batchSize: Rows per batch (default 500).
    ///   - maxBatches: Stop after this many batches (nil: run to the end).
    ///   - progress: Called after every batch.
    /// - Returns: The final counts; `finished` is false when the run stopped early.
    /// - Throws: ``KeyringError/Code/invalidArgument`` for a batch size below 1, `StoreError`.
    @discardableResult
    public func rewrap(
        batchSize: Int = 500,
        maxBatches: Int? = nil,
        progress: (@Sendable (RewrapProgress) -> Void)? = nil
    ) async throws -> RewrapProgress {
        guard batchSize >= 1 else { throw KeyringError(.invalidArgument, "the batch size must be at least 1") }
        let started = ContinuousClock.now
        try await refreshIfChanged()
        let keyring = cipher.keyring
        let target = Int(keyring.activeVersion)
        let filter = ProviderDEKFilter.notPrefixed(Self.dekPrefix(version: target))
        let total = try await store.countProviderDEKs(filter) + store.countSealedTOTPSecrets(filter)
        var state = RewrapProgress(targetVersion: target, total: total)
        progress?(state)
        var after: UUID?
        var providerKeysDone = false
        while true {
            if let maxBatches, state.batches >= maxBatches { break }
            if Task.isCancelled { break }
            if !providerKeysDone {
                let page = try await store.providerDEKs(filter, after: after, limit: batchSize)
                for reference in page {
                    try await rewrapOne(reference, keyring: keyring, target: target, state: &state)
                }
                after = page.last?.id
                providerKeysDone = page.last == nil
                if providerKeysDone { continue }
            } else {
                let page = try await store.sealedTOTPSecrets(filter, after: after, limit: batchSize)
                guard let last = page.last else {
                    state.finished = true
                    break
                }
                for reference in page {
                    try await rewrapOne(reference, keyring: keyring, state: &state)
                }
                after = last.userID
            }
            state.batches += 1
            progress?(state)
        }
        logger.info(
            "rewrap stopped",
            metadata: [
                "target_version": "\(target)", "rewrapped": "\(state.rewrapped)", "failed": "\(state.failed)",
                "finished": "\(state.finished)",
            ]
        )
        let snapshot = state
        try await audit?.append(
            entity: KeyringAudit.entity, action: KeyringAudit.rewrapped,
            payload: KeyringAudit.payload {
                $0.set(KeyringAudit.targetVersion, keyVersion: target)
                $0.set(KeyringAudit.processed, count: snapshot.processed)
                $0.set(KeyringAudit.rewrappedCount, count: snapshot.rewrapped)
                $0.set(KeyringAudit.skipped, count: snapshot.skipped)
                $0.set(KeyringAudit.failed, count: snapshot.failed)
                $0.set(KeyringAudit.duration, duration: ContinuousClock.now - started)
                let outcome: AuditOutcome =
                    !snapshot.finished ? .interrupted : (snapshot.failed > 0 ? .failed : .succeeded)
                $0.set(KeyringAudit.outcome, outcome: outcome)
            }
        )
        return state
    }

    private func rewrapOne(
        _ reference: ProviderDEKReference,
        keyring: Keyring,
        target: Int,
        state: inout RewrapProgress
    ) async throws {
        state.processed += 1
        let replacement: WrappedKey
        let from: Int
        do {
            let wrapped = try WrappedKey(serialized: reference.encryptedDEK)
            let context = try ProviderKeyContext.make(userID: reference.userID, providerType: reference.providerType)
            replacement = try keyring.rewrap(wrapped, context: context)
            from = Int(wrapped.masterKeyVersion)
        } catch {
            state.failed += 1
            logger.warning(
                "a provider key's data key does not open; left as it is",
                metadata: ["provider_key_id": "\(reference.id)"]
            )
            return
        }
        let changed = try await store.replaceProviderDEK(
            id: reference.id, expected: reference.encryptedDEK, replacement: replacement.serialized,
            fromVersion: from, toVersion: target
        )
        if changed {
            state.rewrapped += 1
        } else {
            state.skipped += 1
        }
    }

    private func rewrapOne(
        _ reference: SealedTOTPSecretReference,
        keyring: Keyring,
        state: inout RewrapProgress
    ) async throws {
        state.processed += 1
        let replacement: SealedEnvelope
        do {
            let envelope = try SealedEnvelope(serialized: reference.sealed)
            let wrapped = try keyring.rewrap(
                envelope.wrappedKey, context: try TOTPSecretContext.make(userID: reference.userID))
            replacement = SealedEnvelope(wrappedKey: wrapped, payload: envelope.payload)
        } catch {
            state.failed += 1
            logger.warning(
                "a user's sealed TOTP secret does not open; left as it is", metadata: ["user_id": "\(reference.userID)"]
            )
            return
        }
        let changed = try await store.replaceSealedTOTPSecret(
            userID: reference.userID, expected: reference.sealed, replacement: replacement.serialized
        )
        if changed {
            state.rewrapped += 1
        } else {
            state.skipped += 1
        }
    }
}
