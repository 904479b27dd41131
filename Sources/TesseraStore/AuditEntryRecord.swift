import Foundation

/// A row of `audits.audit_log`: one link of the hash chain.
///
/// The store assigns `id` (dense, in chain order) and `previousHash` (the chain head's hash) under the chain lock;
/// the caller's sealing closure computes the entry's own hash and signature from them (see
/// ``TesseraStore/appendAuditEntry(_:seal:)``).
public struct AuditEntryRecord: Sendable, Hashable {
    /// The entry's position in the chain (1, 2, …).
    public var id: Int64
    /// The kind of thing acted on (e.g. `user`, `session`, `keyring`).
    public var entity: String
    /// What happened (e.g. `login.succeeded`).
    public var action: String
    /// Who did it, if a user did.
    public var actorID: UUID?
    /// Ids, kinds, outcomes and counts; never a secret.
    public var payload: [String: String]
    /// The HMAC of the canonical entry under the audit key.
    public var signature: [UInt8]
    /// The hash of the previous entry (32 zero bytes for the first).
    public var previousHash: [UInt8]
    /// When it happened.
    public var timestamp: Date

    /// Creates an entry value.
    /// - Parameters:
    ///   - id: Chain position.
    ///   - entity: Entity kind.
    ///   - action: Action.
    ///   - actorID: Actor.
    ///   - payload: Secret-free details.
    ///   - signature: The entry's signature.
    ///   - previousHash: The previous entry's hash.
    ///   - timestamp: Time.
    public init(
        id: Int64,
        entity: String,
        action: String,
        actorID: UUID?,
        payload: [String: String],
        signature: [UInt8],
        previousHash: [UInt8],
        timestamp: Date
    ) {
        self.id = id
        self.entity = entity
        self.action = action
        self.actorID = actorID
        self.payload = payload
        self.signature = signature
        self.previousHash = previousHash
        self.timestamp = timestamp
    }
}
