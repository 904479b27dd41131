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
    /// - Returns: The stored entry.
    /// - Throws: `StoreError` from the store.
    @discardableResult
    public func append(
        entity: AuditName,
        action: AuditName,
        actorID: UUID? = nil,
        payload: AuditPayload = AuditPayload(),
        at timestamp: Date = Date()
    ) async throws -> AuditEntryRecord {
        let draft = AuditEvent(entity: entity, action: action, actorID: actorID, payload: payload).draft(at: timestamp)
        let key = self.key
        return try await store.appendAuditEntry(draft) { draft, link in
            AuditCanonicalForm.seal(draft, link: link, key: key)
        }
    }
}
