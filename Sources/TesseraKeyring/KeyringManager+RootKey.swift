import Foundation
import TesseraAudit
import TesseraCrypto
import TesseraStore

extension KeyringManager {
    /// The root key as the keyring uses it: after a root key rotation, with the purpose keys' derivation base
    /// carried over from the keyring's first root key (see ``RootKey/carryingDerivationBase(_:)``); before one,
    /// the key itself.
    ///
    /// Call it before deriving any purpose key (`AuditSigningKey(rootKey:)`, the login flows' keys): a rotated
    /// keyring's audit chain and stored recovery-code hashes depend on the carried base.
    ///
    /// - Parameters:
    ///   - key: The loaded root key.
    ///   - store: A migrated store.
    /// - Returns: The key to derive purpose keys from and to give ``start(store:rootKey:audit:logger:)``.
    /// - Throws: ``KeyringError/Code/rootKeyMismatch`` when the keyring was rotated to another root key (naming
    ///   both fingerprints); what a device throws; `StoreError`.
    public static func resolveRootKey(_ key: RootKey, store: any TesseraStore) async throws -> RootKey {
        guard let record = try await store.rootKeyRecord() else { return key }
        do {
            return try key.carryingDerivationBase(record.wrappedDerivationBase)
        } catch let error as CryptoError where error.code == .authenticationFailure {
            throw KeyringError(
                .rootKeyMismatch,
                "the root key \(key.fingerprint) (\(key.origin)) does not open the keyring: it is wrapped under "
                    + "the root key \(record.fingerprint) since \(ISO8601DateFormatter().string(from: record.rotatedAt))"
            )
        }
    }

    /// Re-wraps every master key version, and the purpose keys' derivation base, under a new root key, in one
    /// transaction: either the whole keyring is under `new`, or it is unchanged under `current`.
    ///
    /// Crash safe and repeatable: run it again after an interruption with the same keys. If the earlier run
    /// committed, this one finds the keyring under `new` and returns ``RootKeyRotation/alreadyRotated`` without
    /// needing `current` at all; otherwise it starts over. Afterwards `current` is no longer needed: the purpose
    /// keys (audit chain, recovery codes, refresh successors) are unchanged, so everything stored still verifies.
    /// Running processes keep serving with the master keys they loaded, but cannot load a later keyring change
    /// until they restart with `new`.
    ///
    /// - Parameters:
    ///   - store: A migrated store.
    ///   - current: The root key the keyring is under now (nil when only checking for a committed rotation).
    ///   - new: The new root key (a file already written durably, or a key generated in a device).
    ///   - audit: Where to record the rotation, in the same transaction (nil: not audited).
    ///   - now: The time to record.
    /// - Returns: What was done.
    /// - Throws: ``KeyringError/Code/rootKeyMismatch`` when neither key opens the keyring,
    ///   ``KeyringError/Code/invalidArgument`` when `new` is `current`, ``KeyringError/Code/concurrentChange``
    ///   when other processes kept changing the keyring; what a device throws; `StoreError`. Nothing is changed.
    public static func rotateRootKey(
        store: any TesseraStore,
        from current: RootKey?,
        to new: RootKey,
        audit: AuditLog? = nil,
        now: Date = Date()
    ) async throws -> RootKeyRotation {
        for _ in 0..<5 {
            let revision = try await store.keyringRevision()
            let records = try await store.masterKeyVersions()
            let record = try await store.rootKeyRecord()
            if try opens(records, record, with: new) { return .alreadyRotated }
            guard let current else {
                throw KeyringError(
                    .rootKeyMismatch,
                    "the keyring is not under the new root key \(new.fingerprint) (\(new.origin)), and no current "
                        + "root key was given to move it from"
                )
            }
            guard current.fingerprint != new.fingerprint else {
                throw KeyringError(.invalidArgument, "the new root key \(new.fingerprint) is the current root key")
            }
            guard !records.isEmpty else {
                throw KeyringError(.corruptKeyring, "the keyring has no master key version yet: start it first")
            }
            let resolved = try await resolveRootKey(current, store: store)
            var versions: [RootKeyRewrap.Version] = []
            for stored in records {
                guard let number = UInt32(exactly: stored.version), number >= 1 else {
                    throw KeyringError(.corruptKeyring, "a stored master key version number is out of range")
                }
                let key: MasterKey
                do {
                    // Retired versions too: their old wrapping must not stay openable by the old root key.
                    key = try current.unwrapMasterKey(stored.wrappedKey, version: number, state: .decryptOnly)
                } catch let error as CryptoError where error.code == .authenticationFailure {
                    throw KeyringError(
                        .rootKeyMismatch,
                        "the root key \(current.fingerprint) (\(current.origin)) does not open master key version "
                            + "\(number), and neither does the new root key \(new.fingerprint)"
                    )
                }
                versions.append(
                    RootKeyRewrap.Version(
                        version: stored.version, expected: stored.wrappedKey, replacement: try new.wrapMasterKey(key)
                    )
                )
            }
            let change = RootKeyRewrap(
                expectedRevision: revision,
                versions: versions,
                record: RootKeyRecord(
                    fingerprint: new.fingerprint, wrappedDerivationBase: try new.wrapDerivationBase(of: resolved),
                    rotatedAt: now
                )
            )
            let applied = try await store.transaction { transaction in
                guard try await transaction.replaceRootKey(change) else { return false }
                _ = try await audit?.append(
                    entity: KeyringAudit.entity, action: KeyringAudit.rootRotated,
                    payload: KeyringAudit.payload {
                        $0.set(KeyringAudit.versions, count: Int64(change.versions.count))
                        $0.set(KeyringAudit.deviceBacked, flag: new.isDeviceBacked)
                        $0.set(KeyringAudit.outcome, outcome: .succeeded)
                    },
                    at: now, in: transaction
                )
                return true
            }
            if applied { return .rotated(versions: versions.count) }
        }
        throw KeyringError(.concurrentChange, "other processes kept changing the keyring; try again")
    }

    /// Whether `key` opens the stored keyring as it stands: the record names it, and it opens the derivation base
    /// and every version that still has material.
    private static func opens(
        _ records: [MasterKeyVersionRecord],
        _ record: RootKeyRecord?,
        with key: RootKey
    ) throws -> Bool {
        guard let record, record.fingerprint == key.fingerprint else { return false }
        do {
            _ = try key.carryingDerivationBase(record.wrappedDerivationBase)
            for stored in records where stored.state != .retired {
                guard let number = UInt32(exactly: stored.version) else { return false }
                _ = try key.unwrapMasterKey(stored.wrappedKey, version: number, state: .decryptOnly)
            }
            return true
        } catch let error as CryptoError where error.code == .authenticationFailure {
            throw KeyringError(
                .corruptKeyring,
                "the keyring names the root key \(key.fingerprint) but it does not open what is stored (tampering?)"
            )
        }
    }
}
