import Foundation

/// What a caller wants to append to the audit chain; the store adds the chain position.
public struct AuditEntryDraft: Sendable, Hashable {
    /// The kind of thing acted on.
    public var entity: String
    /// What happened.
    public var action: String
    /// Who did it, if a user did.
    public var actorID: UUID?
    /// Ids, kinds, outcomes and counts; never a secret.
    public var payload: [String: String]
    /// When it happened.
    public var timestamp: Date

    /// Creates a draft.
    /// - Parameters:
    ///   - entity: Entity kind.
    ///   - action: Action.
    ///   - actorID: Actor.
    ///   - payload: Secret-free details.
    ///   - timestamp: Time.
    public init(entity: String, action: String, actorID: UUID? = nil, payload: [String: String] = [:], timestamp: Date)
    {
        self.entity = entity
        self.action = action
        self.actorID = actorID
        self.payload = payload
        self.timestamp = timestamp
    }
}

/// The chain position the store gives an entry being appended, under the chain lock.
public struct AuditChainLink: Sendable, Hashable {
    /// The id the entry will have.
    public var id: Int64
    /// The hash of the entry before it (32 zero bytes for the first entry).
    public var previousHash: [UInt8]

    /// Creates a link.
    /// - Parameters:
    ///   - id: The entry's id.
    ///   - previousHash: The previous entry's hash.
    public init(id: Int64, previousHash: [UInt8]) {
        self.id = id
        self.previousHash = previousHash
    }
}

/// What the caller's sealing closure returns for an entry: its hash (the next entry's `previousHash`) and signature.
public struct AuditSeal: Sendable, Hashable {
    /// The hash of the canonical entry, which becomes the chain head.
    public var entryHash: [UInt8]
    /// The HMAC signature stored with the entry.
    public var signature: [UInt8]

    /// Creates a seal.
    /// - Parameters:
    ///   - entryHash: The entry's hash.
    ///   - signature: The entry's signature.
    public init(entryHash: [UInt8], signature: [UInt8]) {
        self.entryHash = entryHash
        self.signature = signature
    }
}
