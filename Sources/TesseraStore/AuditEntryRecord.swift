import Foundation

/// A row of `audits.audit_log`: one entry, MACed over its canonical form when it was written.
///
/// The store assigns `id` (unique and increasing in allocation order, but not dense and not in commit order); the
/// caller's sealing closure computes the signature from it (see ``AuditStore/appendAuditEntry(_:seal:)``). Its
/// place in the tree is a separate leaf, given by the sequencer.
public struct AuditEntryRecord: Sendable, Hashable {
    /// The entry's id.
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
    /// Legacy chain entries: the hash of the previous entry (32 zero bytes for the first). New entries: empty.
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
