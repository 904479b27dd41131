import Foundation
import TesseraCrypto
import TesseraStore

/// What one batch of a rewrap did.
struct RewrapBatchOutcome: Sendable {
    /// Rows looked at.
    var processed: Int64 = 0
    /// Rows replaced.
    var rewrapped: Int64 = 0
    /// Rows that changed meanwhile.
    var skipped: Int64 = 0
    /// Rows whose key does not open.
    var failed: Int64 = 0
    /// The last row id of the page (the next cursor), nil when the page was empty.
    var last: UUID?
}

/// One page of rows, re-wrapped in memory, ready to be swapped in.
struct PreparedRewrapBatch: Sendable {
    /// The phase the page belongs to.
    let phase: RewrapJobRecord.Phase
    /// The swaps for rows whose key opened.
    let swaps: [KeyringSwap]
    /// Rows looked at.
    let processed: Int64
    /// Rows whose key did not open.
    let failed: Int64
    /// The page's last row id, or nil when it was empty.
    let last: UUID?
}

extension KeyringManager {
    /// Reads the page of `phase` after `cursor` of rows not under `target` and re-wraps each row's data key in
    /// memory (unwrap with its version, wrap with the active one: the encrypted payloads are never opened).
    func prepareRewrapBatch(
        phase: RewrapJobRecord.Phase,
        after cursor: UUID?,
        limit: Int,
        keyring: Keyring,
        target: Int
    ) async throws -> PreparedRewrapBatch {
        let filter = ProviderDEKFilter.notPrefixed(Self.dekPrefix(version: target))
        var swaps: [KeyringSwap] = []
        var failed: Int64 = 0
        switch phase {
        case .providerKeys:
            let page = try await store.providerDEKs(filter, after: cursor, limit: limit)
            swaps.reserveCapacity(page.count)
            for reference in page {
                do {
                    let wrapped = try WrappedKey(serialized: reference.encryptedDEK)
                    let context = try ProviderKeyContext.make(
                        userID: reference.userID, providerType: reference.providerType)
                    let replacement = try keyring.rewrap(wrapped, context: context)
                    swaps.append(
                        KeyringSwap(
                            id: reference.id, expected: reference.encryptedDEK, replacement: replacement.serialized,
                            fromVersion: Int(wrapped.masterKeyVersion)
                        )
                    )
                } catch {
                    failed += 1
                    logger.warning(
                        "a provider key's data key does not open; left as it is",
                        metadata: ["provider_key_id": "\(reference.id)"]
                    )
                }
            }
            return PreparedRewrapBatch(
                phase: phase, swaps: swaps, processed: Int64(page.count), failed: failed, last: page.last?.id
            )
        case .totpSecrets:
            let page = try await store.sealedTOTPSecrets(filter, after: cursor, limit: limit)
            swaps.reserveCapacity(page.count)
            for reference in page {
                do {
                    let envelope = try SealedEnvelope(serialized: reference.sealed)
                    let wrapped = try keyring.rewrap(
                        envelope.wrappedKey, context: try TOTPSecretContext.make(userID: reference.userID))
                    let replacement = SealedEnvelope(wrappedKey: wrapped, payload: envelope.payload)
                    swaps.append(
                        KeyringSwap(
                            id: reference.userID, expected: reference.sealed, replacement: replacement.serialized,
                            fromVersion: Int(envelope.wrappedKey.masterKeyVersion)
                        )
                    )
                } catch {
                    failed += 1
                    logger.warning(
                        "a user's sealed TOTP secret does not open; left as it is",
                        metadata: ["user_id": "\(reference.userID)"]
                    )
                }
            }
            return PreparedRewrapBatch(
                phase: phase, swaps: swaps, processed: Int64(page.count), failed: failed, last: page.last?.userID
            )
        }
    }

    /// Swaps a prepared batch in through `store` (the pooled store, or a transaction's).
    static func apply(_ batch: PreparedRewrapBatch, target: Int, in store: any TesseraStore) async throws
        -> RewrapBatchOutcome
    {
        let changed: Int
        switch batch.phase {
        case .providerKeys: changed = try await store.replaceProviderDEKs(batch.swaps, toVersion: target)
        case .totpSecrets: changed = try await store.replaceSealedTOTPSecrets(batch.swaps)
        }
        return RewrapBatchOutcome(
            processed: batch.processed, rewrapped: Int64(changed), skipped: Int64(batch.swaps.count - changed),
            failed: batch.failed, last: batch.last
        )
    }
}
