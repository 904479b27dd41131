import Foundation
import TesseraAudit
import TesseraCrypto
import TesseraKeyring
import TesseraStore

/// Users' provider API keys (`providers.user_providers`), stored sealed: each key under a fresh data key, the
/// data key wrapped by the active master key version, both bound to the row's `(user id, provider type)`
/// (``ProviderKeyContext``), so a sealed key copied to another user's row or another provider's does not open.
///
/// Depends on the store (its unit of work), the keyring's cipher, the audit log and a clock. Every change commits
/// with its audit entry and with the keyring's per-version count of data keys (which a version's retirement
/// checks) in one transaction; every ``open(userID:providerType:caller:)`` is audited with the caller's name before
/// the plaintext is returned. Nothing of the API key but its last four characters is ever stored in clear, and
/// no error, audit payload or description carries it.
public struct ProviderKeys: Sendable {
    let store: any TesseraStore
    let cipher: EnvelopeCipher
    let audit: AuditLog
    let clock: AuthClock
    let refreshKeyring: @Sendable () async throws -> Void

    /// Creates the flows over a cipher and a way to reload it.
    /// - Parameters:
    ///   - store: The store.
    ///   - cipher: The envelope cipher (the keyring's).
    ///   - audit: The audit log, over the same store.
    ///   - clock: The time source.
    ///   - refreshKeyring: Reloads `cipher` when the stored keyring moved (another process rotated, re-wrapped or
    ///     retired a version); called before a second attempt when a key does not open or a seal used a version
    ///     retired meanwhile.
    public init(
        store: any TesseraStore,
        cipher: EnvelopeCipher,
        audit: AuditLog,
        clock: AuthClock = .system,
        refreshKeyring: @escaping @Sendable () async throws -> Void = {}
    ) {
        self.store = store
        self.cipher = cipher
        self.audit = audit
        self.clock = clock
        self.refreshKeyring = refreshKeyring
    }

    /// Creates the flows over the persistent keyring (its store and cipher).
    /// - Parameters:
    ///   - keyring: The keyring.
    ///   - audit: The audit log, over the keyring's store.
    ///   - clock: The time source.
    public init(keyring: KeyringManager, audit: AuditLog, clock: AuthClock = .system) {
        self.init(
            store: keyring.store, cipher: keyring.cipher, audit: audit, clock: clock,
            refreshKeyring: { try await keyring.refreshIfChanged() }
        )
    }

    // MARK: Put

    /// Stores a user's API key for a provider type, replacing the one stored before (a `Put` over it keeps the
    /// row's id and creation time).
    ///
    /// - Parameters:
    ///   - userID: The owner.
    ///   - providerType: The provider type (an ``AuditName``: lowercase letters, digits, `.`, `_`, `-`).
    ///   - displayName: A display name; empty: the provider type.
    ///   - modelName: A model name; empty: none.
    ///   - apiKey: The API key: 16 to 4096 bytes of printable ASCII without spaces.
    ///   - caller: The calling service's name, for the audit log.
    /// - Returns: What was stored, as it may be shown.
    /// - Throws: ``AuthError/Code/invalidArgument`` for a malformed field (before anything is sealed or read),
    ///   ``AuthError/Code/notFound`` for an unknown user.
    public func put(
        userID: UUID,
        providerType: String,
        displayName: String = "",
        modelName: String = "",
        apiKey: String,
        caller: String
    ) async throws -> ProviderKeyStored {
        let type = try ProviderKeyInput.providerType(providerType)
        let name = try ProviderKeyInput.name(displayName, field: "display name") ?? type
        let model = try ProviderKeyInput.name(modelName, field: "model name")
        var bytes = try ProviderKeyInput.apiKey(apiKey)
        let last4 = String(decoding: bytes.suffix(4), as: UTF8.self)
        let secret = SecretBytes(zeroing: &bytes, locked: true)
        let context = try ProviderKeyContext.make(userID: userID, providerType: type)
        let row = Row(userID: userID, type: type, name: name, model: model, last4: last4, caller: caller)
        do {
            return try await put(row, secret: secret, context: context)
        } catch let error as StoreError where error.code == .invalidValue {
            // The version this process sealed with was retired by another one since it last loaded the keyring
            // (a retired version gains no data keys): load the keyring again and seal under the active version.
            try await refreshKeyring()
            return try await put(row, secret: secret, context: context)
        }
    }

    /// The plain fields of a `Put`.
    struct Row: Sendable {
        let userID: UUID
        let type: String
        let name: String
        let model: String?
        let last4: String
        let caller: String
    }

    private func put(_ input: Row, secret: SecretBytes, context: EncryptionContext) async throws -> ProviderKeyStored {
        let sealed = try cipher.seal(secret, context: context)
        let version = Int(sealed.wrappedKey.masterKeyVersion)
        let now = clock.now
        return try await store.transaction { tx in
            guard try await tx.userForUpdate(id: input.userID) != nil else {
                throw AuthError(.notFound, "no such user")
            }
            let existing = try await tx.providerKeyForUpdate(userID: input.userID, providerType: input.type)
            var record: ProviderKeyRecord
            if let existing {
                // Count rows are taken in ascending version order, as the rewrap takes them (an old version, then
                // the active one), so the two never wait for each other's rows. A replica that has not yet polled a
                // rotation seals under the older version while the key it replaces is already under the newer.
                let old = Self.masterKeyVersion(of: existing.encryptedDEK)
                if let old, old > version {
                    _ = try await tx.adjustDEKCount(version: version, delta: 1)
                    try await Self.release(version: old, in: tx)
                } else {
                    if let old {
                        try await Self.release(version: old, in: tx)
                    }
                    _ = try await tx.adjustDEKCount(version: version, delta: 1)
                }
                record = existing
                record.providerName = input.name
                record.modelName = input.model
                record.encryptedAPIKey = sealed.payload.serialized
                record.encryptedDEK = sealed.wrappedKey.serialized
                record.keyLast4Chars = input.last4
                record.isActive = true
                record.updatedAt = now
                try await tx.updateProviderKey(record)
            } else {
                _ = try await tx.adjustDEKCount(version: version, delta: 1)
                record = ProviderKeyRecord(
                    userID: input.userID, providerName: input.name, providerType: input.type, modelName: input.model,
                    encryptedAPIKey: sealed.payload.serialized, encryptedDEK: sealed.wrappedKey.serialized,
                    keyLast4Chars: input.last4, createdAt: now
                )
                try await tx.createProviderKey(record)
            }
            try await self.record(
                "provider_key.stored", user: input.userID, type: input.type, caller: input.caller, at: now, in: tx
            ) {
                $0.set(AuditName("provider_key_id"), id: record.id)
                $0.set(AuditName("key_version"), keyVersion: version)
                $0.set(AuditName("replaced"), flag: existing != nil)
            }
            return ProviderKeyStored(key: ProviderKeySummary(record), replaced: existing != nil)
        }
    }

    // MARK: List

    /// A user's stored keys, by provider type: never a key, only its last four characters.
    /// - Parameter userID: The owner.
    /// - Returns: The keys.
    /// - Throws: ``AuthError/Code/notFound`` for an unknown user.
    public func list(userID: UUID) async throws -> [ProviderKeySummary] {
        guard try await store.user(id: userID) != nil else { throw AuthError(.notFound, "no such user") }
        return try await store.providerKeys(userID: userID).map(ProviderKeySummary.init)
    }

    // MARK: Open

    /// Opens a user's key for a provider type, for the caller that proxies provider calls, and audits that
    /// `caller` opened it (before returning it: a key is never handed out unaudited).
    ///
    /// A key re-wrapped by another process under a master key version this one has not loaded yet opens after a
    /// reload of the keyring and a second read of the row.
    ///
    /// - Parameters:
    ///   - userID: The owner.
    ///   - providerType: The provider type.
    ///   - caller: The calling service's name, for the audit log.
    /// - Returns: The key.
    /// - Throws: ``AuthError/Code/invalidArgument`` for a malformed provider type, ``AuthError/Code/notFound``
    ///   (unknown user, or no key for this provider type), ``AuthError/Code/failedPrecondition`` (the account is
    ///   disabled, or the stored key does not open: it must be stored again).
    public func open(userID: UUID, providerType: String, caller: String) async throws -> OpenedProviderKey {
        let type = try ProviderKeyInput.providerType(providerType)
        guard let user = try await store.user(id: userID) else { throw AuthError(.notFound, "no such user") }
        guard user.disabledAt == nil else { throw AuthError(.failedPrecondition, "the account is disabled") }
        let context = try ProviderKeyContext.make(userID: userID, providerType: type)
        var opened = try await readAndOpen(userID: userID, type: type, context: context)
        if opened == nil {
            try await refreshKeyring()
            opened = try await readAndOpen(userID: userID, type: type, context: context)
        }
        let now = clock.now
        guard let opened else {
            try await record("provider_key.open-failed", user: userID, type: type, caller: caller, at: now, in: nil)
            throw AuthError(.failedPrecondition, "the stored key does not open; store it again")
        }
        try await record("provider_key.opened", user: userID, type: type, caller: caller, at: now, in: nil) {
            $0.set(AuditName("provider_key_id"), id: opened.row.id)
            $0.set(AuditName("key_version"), keyVersion: opened.version)
        }
        return OpenedProviderKey(
            apiKey: opened.secret, providerType: type, modelName: opened.row.modelName,
            masterKeyVersion: opened.version
        )
    }

    /// Reads the row and opens its key; nil when it does not open with the loaded keyring.
    private func readAndOpen(
        userID: UUID,
        type: String,
        context: EncryptionContext
    ) async throws -> (row: ProviderKeyRecord, secret: SecretBytes, version: Int)? {
        guard let row = try await store.providerKey(userID: userID, providerType: type) else {
            throw AuthError(.notFound, "the user has no key for this provider type")
        }
        do {
            let wrapped = try WrappedKey(serialized: row.encryptedDEK)
            let payload = try SealedPayload(serialized: row.encryptedAPIKey)
            let secret = try cipher.open(wrappedKey: wrapped, payload: payload, context: context)
            return (row: row, secret: secret, version: Int(wrapped.masterKeyVersion))
        } catch {
            return nil
        }
    }

    // MARK: Delete

    /// Deletes a user's key for a provider type.
    /// - Parameters:
    ///   - userID: The owner.
    ///   - providerType: The provider type.
    ///   - caller: The calling service's name, for the audit log.
    /// - Returns: Whether a key was deleted (false: there was none).
    /// - Throws: ``AuthError/Code/invalidArgument`` for a malformed provider type, ``AuthError/Code/notFound`` for an
    ///   unknown user.
    public func delete(userID: UUID, providerType: String, caller: String) async throws -> Bool {
        let type = try ProviderKeyInput.providerType(providerType)
        let now = clock.now
        return try await store.transaction { tx in
            guard try await tx.userForUpdate(id: userID) != nil else { throw AuthError(.notFound, "no such user") }
            guard let row = try await tx.providerKeyForUpdate(userID: userID, providerType: type) else {
                return false
            }
            guard try await tx.deleteProviderKey(id: row.id) else { return false }
            if let version = Self.masterKeyVersion(of: row.encryptedDEK) {
                try await Self.release(version: version, in: tx)
            }
            try await record("provider_key.deleted", user: userID, type: type, caller: caller, at: now, in: tx) {
                $0.set(AuditName("provider_key_id"), id: row.id)
            }
            return true
        }
    }

    // MARK: Shared steps

    /// The master key version a stored data key is wrapped under, or nil when it does not parse.
    static func masterKeyVersion(of encryptedDEK: [UInt8]) -> Int? {
        (try? WrappedKey(serialized: encryptedDEK)).map { Int($0.masterKeyVersion) }
    }

    /// Takes one data key off a version's count, unless the count is already 0 (a key stored before counting).
    static func release(version: Int, in tx: any TesseraStore) async throws {
        guard let stored = try await tx.masterKeyVersions().first(where: { $0.version == version }),
            stored.dekCount > 0
        else { return }
        _ = try await tx.adjustDEKCount(version: version, delta: -1)
    }

    /// The audit name of a caller: its name from the callers file when that is a valid ``AuditName``, else
    /// `unnamed` (the audit log takes no free text; name callers like `provider-proxy`).
    static func callerName(_ caller: String) -> AuditName {
        (try? AuditName(validating: caller)) ?? AuditName("unnamed")
    }

    /// Appends a provider-key event (entity `provider_key`, actor the key's owner), inside `tx` when given.
    func record(
        _ action: StaticString,
        user: UUID,
        type: String,
        caller: String,
        at now: Date,
        in tx: (any TesseraStore)?,
        _ fill: (inout AuditPayload) throws -> Void = { _ in }
    ) async throws {
        var payload = AuditPayload()
        payload.set(AuditName("provider_type"), identifier: try AuditName(validating: type))
        payload.set(AuditName("caller"), identifier: Self.callerName(caller))
        try fill(&payload)
        try await audit.append(
            entity: AuditName("provider_key"), action: AuditName(action), actorID: user, payload: payload, at: now,
            in: tx.map { $0 as any AuditStore }
        )
    }
}
