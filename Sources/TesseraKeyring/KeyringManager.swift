import Foundation
import Logging
import Synchronization
import TesseraAudit
import TesseraCrypto
import TesseraStore

/// The persistent keyring: master key versions stored wrapped by the root key, loaded into an ``EnvelopeCipher``,
/// kept current across processes by a cheap revision poll, and rotated, re-wrapped and retired online.
///
/// Create it with ``start(store:rootKey:audit:logger:)``, which creates version 1 on an empty database and fails
/// with ``KeyringError/Code/rootKeyMismatch`` when the root key does not open the stored versions. Seal and open
/// with ``cipher``. Run ``run(pollInterval:)`` in a task (or a service group) so a rotation done by another
/// replica or the CLI is picked up within one poll interval, without a restart.
public actor KeyringManager {
    /// The cipher holding the current keyring; safe to use from anywhere.
    public nonisolated let cipher: EnvelopeCipher
    /// The store holding the keyring.
    public nonisolated let store: any TesseraStore
    /// The root key's fingerprint.
    public nonisolated let rootKeyFingerprint: String
    let rootKey: RootKey
    let audit: AuditLog?
    let logger: Logger
    /// The revision the loaded keyring was read at.
    private(set) var loadedRevision: Int64
    /// The outcome of the latest reads of the store, readable without awaiting the actor.
    private let contact: ContactBox
    /// The wrap counter of every version, kept across reloads so no count is lost between two loads.
    nonisolated let wrapCounters: WrapCounters
    /// The usage of the versions as last read from the store (stored counts), for health and metrics.
    nonisolated let usage: UsageBox

    private init(
        cipher: EnvelopeCipher,
        store: any TesseraStore,
        rootKey: RootKey,
        audit: AuditLog?,
        logger: Logger,
        revision: Int64,
        wrapCounters: WrapCounters
    ) {
        self.cipher = cipher
        self.store = store
        self.rootKey = rootKey
        self.rootKeyFingerprint = rootKey.fingerprint
        self.audit = audit
        self.logger = logger
        self.loadedRevision = revision
        self.contact = ContactBox(StoreContact(lastSuccess: .now))
        self.wrapCounters = wrapCounters
        self.usage = UsageBox()
    }

    /// Bootstraps (if needed) and loads the keyring.
    ///
    /// - Parameters:
    ///   - store: A migrated store.
    ///   - rootKey: The root key.
    ///   - audit: Where keyring operations are audited (nil: not audited).
    ///   - logger: Where to log (no key material is ever logged).
    ///   - createIfEmpty: Whether to create version 1 on an empty keyring (default); `false` for work that only
    ///     reads (opening an envelope), which then changes nothing.
    /// - Returns: The manager.
    /// - Throws: ``KeyringError/Code/rootKeyMismatch`` when the root key does not open the stored versions,
    ///   ``KeyringError/Code/emptyKeyring`` when the keyring has no version and `createIfEmpty` is false,
    ///   ``KeyringError/Code/corruptKeyring``, or `StoreError`.
    public static func start(
        store: any TesseraStore,
        rootKey: RootKey,
        audit: AuditLog? = nil,
        logger: Logger = Logger(label: "tessera.keyring"),
        createIfEmpty: Bool = true
    ) async throws -> KeyringManager {
        // A rotated keyring names its root key: a wrong one is refused here with both fingerprints.
        let rootKey = try await resolveRootKey(rootKey, store: store)
        if !createIfEmpty, try await store.masterKeyVersions().isEmpty {
            throw KeyringError(
                .emptyKeyring, "this database has no master key version yet: nothing sealed under it can open"
            )
        }
        if try await bootstrap(store: store, rootKey: rootKey) {
            logger.info("keyring bootstrapped with master key version 1")
            try await audit?.append(
                entity: KeyringAudit.entity, action: KeyringAudit.bootstrapped,
                payload: KeyringAudit.payload { $0.set(KeyringAudit.version, keyVersion: 1) }
            )
        }
        let counters = WrapCounters()
        let (revision, keyring) = try await load(store: store, rootKey: rootKey, counters: counters)
        return KeyringManager(
            cipher: EnvelopeCipher(keyring: keyring), store: store, rootKey: rootKey, audit: audit, logger: logger,
            revision: revision, wrapCounters: counters
        )
    }

    /// Creates master key version 1 when the store has no version yet (first start).
    ///
    /// Safe against concurrent first starts: one insert wins, the others see `duplicateKeyVersion` and use it.
    ///
    /// - Parameters:
    ///   - store: The store.
    ///   - rootKey: The root key that wraps the new version.
    /// - Returns: Whether this call created the version.
    /// - Throws: `StoreError`.
    @discardableResult
    public static func bootstrap(store: any TesseraStore, rootKey: RootKey) async throws -> Bool {
        guard try await store.masterKeyVersions().isEmpty else { return false }
        let key = try MasterKey.generate(version: 1)
        do {
            try await store.insertMasterKeyVersion(
                MasterKeyVersionRecord(version: 1, wrappedKey: try rootKey.wrapMasterKey(key), createdAt: Date())
            )
            return true
        } catch let error as StoreError where error.code == .duplicateKeyVersion {
            return false
        }
    }

    /// Reads the revision and every version, and unwraps them with the root key.
    static func load(
        store: any TesseraStore,
        rootKey: RootKey,
        counters: WrapCounters = WrapCounters()
    ) async throws -> (Int64, Keyring) {
        // Revision first: if the keyring changes after it was read, the next poll sees a newer revision.
        let revision = try await store.keyringRevision()
        let records = try await store.masterKeyVersions()
        return (revision, try keyring(from: records, rootKey: rootKey, counters: counters))
    }

    /// Builds the crypto keyring from stored versions; retired versions are not unwrapped at all.
    static func keyring(
        from records: [MasterKeyVersionRecord],
        rootKey: RootKey,
        counters: WrapCounters = WrapCounters()
    ) throws -> Keyring {
        var keys: [MasterKey] = []
        for record in records {
            guard let version = UInt32(exactly: record.version), version >= 1 else {
                throw KeyringError(.corruptKeyring, "a stored master key version number is out of range")
            }
            switch record.state {
            case .retired:
                keys.append(try MasterKey(version: version, material: SecretBytes(copying: []), state: .retired))
            case .active, .decryptOnly:
                do {
                    let state: MasterKey.State = record.state == .active ? .active : .decryptOnly
                    let unwrapped = try rootKey.unwrapMasterKey(record.wrappedKey, version: version, state: state)
                    // The same counter as the previous load's, so wraps counted meanwhile are not lost.
                    keys.append(
                        try MasterKey(
                            version: version, material: unwrapped.material, state: state,
                            wraps: counters.counter(for: record.version)
                        )
                    )
                } catch {
                    throw KeyringError(
                        .rootKeyMismatch,
                        "the root key \(rootKey.fingerprint) (\(rootKey.origin)) does not open master key version "
                            + "\(version): it is not the root key this keyring was created with"
                    )
                }
            }
        }
        do {
            return try Keyring(keys: keys)
        } catch {
            throw KeyringError(.corruptKeyring, "the stored keyring does not have exactly one active version")
        }
    }

    /// Reloads the keyring if its revision moved since it was loaded (one single-row read otherwise).
    ///
    /// - Returns: Whether a new keyring was loaded.
    /// - Throws: ``KeyringError`` or `StoreError`; the current keyring stays in use.
    @discardableResult
    public func refreshIfChanged() async throws -> Bool {
        let revision: Int64
        do {
            revision = try await store.keyringRevision()
            contact.withLock { $0.recordSuccess(at: .now) }
        } catch {
            contact.withLock { $0.recordFailure(error, at: .now) }
            throw error
        }
        guard revision != loadedRevision else { return false }
        try await reload()
        return true
    }

    /// ``refreshIfChanged()`` bounded by `timeout`: a read of the store that does not answer in time (a database
    /// gone away makes the pool retry for a minute) is recorded as a failed contact and reported at once, while
    /// the read itself finishes in the background.
    ///
    /// - Parameter timeout: How long the read may take.
    /// - Returns: Whether a new keyring was loaded.
    /// - Throws: ``KeyringError/Code/storeTimeout`` when the read takes longer; otherwise as ``refreshIfChanged()``.
    @discardableResult
    public func refreshIfChanged(timeout: Duration) async throws -> Bool {
        let outcome = ReadRace()
        // The timer is cancelled as soon as the read answers, so polls do not leave sleeping timers behind.
        let timer = Task { [contact] in
            try await Task.sleep(for: timeout)
            let error = KeyringError(.storeTimeout, "the store did not answer within \(timeout)")
            if outcome.finish(with: .failure(error)) {
                contact.withLock { $0.recordFailure(error, at: .now) }
            }
        }
        let read = Task {
            let result: Result<Bool, any Error>
            do {
                result = .success(try await self.refreshIfChanged())
            } catch {
                result = .failure(error)
            }
            timer.cancel()
            outcome.finish(with: result)
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Bool, any Error>) in
                outcome.install(continuation)
            }
        } onCancel: {
            read.cancel()
            timer.cancel()
            outcome.finish(with: .failure(CancellationError()))
        }
    }

    /// Reloads the keyring from the store unconditionally.
    ///
    /// - Throws: ``KeyringError`` or `StoreError`; the current keyring stays in use.
    public func reload() async throws {
        let (revision, keyring) = try await Self.load(store: store, rootKey: rootKey, counters: wrapCounters)
        // Another reload may have finished meanwhile with a newer snapshot: never go back.
        guard revision >= loadedRevision else { return }
        cipher.replaceKeyring(keyring)
        loadedRevision = revision
        logger.debug(
            "keyring loaded",
            metadata: ["revision": "\(revision)", "active_version": "\(keyring.activeVersion)"]
        )
    }

    /// What the latest reads of the store (at start and by each poll) say about it, for a health check: no query
    /// is made. Reads that hang show up as no success within `staleAfter`.
    ///
    /// - Parameters:
    ///   - staleAfter: How old the last successful read may be (a few poll intervals).
    ///   - now: The current instant.
    /// - Returns: The verdict.
    public nonisolated func storeContact(
        staleAfter: Duration,
        now: ContinuousClock.Instant = .now
    ) -> StoreContact.Verdict {
        contact.withLock { $0.verdict(staleAfter: staleAfter, now: now) }
    }

    /// Polls ``refreshIfChanged(timeout:)`` every `pollInterval` until the task is cancelled, then adds this process's
    /// wrap counts to the store and applies the usage policy (``checkUsage(now:)``); failures are logged and the
    /// current keyring stays in use.
    ///
    /// - Parameters:
    ///   - pollInterval: How often to check (default 2 s).
    ///   - readTimeout: How long one check may take before it counts as a failed contact (default 5 s).
    public func run(pollInterval: Duration = .seconds(2), readTimeout: Duration = .seconds(5)) async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: pollInterval)
            } catch {
                return
            }
            do {
                try await refreshIfChanged(timeout: readTimeout)
            } catch {
                logger.warning("keyring refresh failed", metadata: ["error": "\(error)"])
                continue
            }
            do {
                try await checkUsage()
            } catch {
                logger.warning("keyring usage flush failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// The prefix of every `encrypted_dek` wrapped under `version`: format byte 1, then the version big-endian
    /// (see `docs/envelope-format.md`, "WrappedKey").
    static func dekPrefix(version: Int) -> [UInt8] {
        let value = UInt32(truncatingIfNeeded: version)
        return [1, UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff)]
    }
}
