import Foundation
import TesseraStore

/// Appends entries to the audit chain: the store serialises appends and picks the chain position; this type
/// computes each entry's hash and HMAC signature from its canonical form (``AuditCanonicalForm``).
public struct AuditLog: Sendable {
    /// The store holding the chain.
    public let store: any TesseraStore
    let key: AuditSigningKey

    /// Creates an appender.
    ///
    /// - Parameters:
    ///   - store: The store.
    ///   - key: The audit key (usually `AuditSigningKey(rootKey:)`).
    public init(store: any TesseraStore, key: AuditSigningKey) {
        self.store = store
        self.key = key
    }

    /// Appends one entry.
    ///
    /// The timestamp is truncated to whole milliseconds first, so what is stored is exactly what was signed on
    /// every backend.
    ///
    /// - Parameters:
    ///   - entity: The kind of thing acted on (e.g. `keyring`).
    ///   - action: What happened (e.g. `keyring.rotated`).
    ///   - actorID: The user who did it, if a user did.
    ///   - payload: Typed, secret-free details.
    ///   - timestamp: When (default: now).
    ///   - transaction: The unit of work to append in (the `tx` of `TesseraStore.transaction(_:)`), so the entry
    ///     commits with the change it records or not at all; nil appends in a transaction of its own.
    /// - Returns: The stored entry.
    /// - Throws: `StoreError` from the store.
    @discardableResult
    public func append(
        entity: AuditName,
        action: AuditName,
        actorID: UUID? = nil,
        payload: AuditPayload = AuditPayload(),
        at timestamp: Date = Date(),
        in transaction: (any AuditStore)? = nil
    ) async throws -> AuditEntryRecord {
        try await self.append(
            AuditEvent(entity: entity, action: action, actorID: actorID, payload: payload), at: timestamp,
            in: transaction
        )
    }

    /// Appends one event (see ``append(entity:action:actorID:payload:at:in:)``).
    /// - Parameters:
    ///   - event: What to record.
    ///   - timestamp: When.
    ///   - transaction: The unit of work to append in, or nil for a transaction of its own.
    /// - Returns: The stored entry.
    @discardableResult
    public func append(
        _ event: AuditEvent,
        at timestamp: Date = Date(),
        in transaction: (any AuditStore)? = nil
    ) async throws -> AuditEntryRecord {
        let draft = event.draft(at: timestamp)
        let key = self.key
        let store: any AuditStore = transaction ?? self.store
        return try await store.appendAuditEntry(draft) { draft, link in
            AuditCanonicalForm.seal(draft, link: link, key: key)
        }
    }
}
