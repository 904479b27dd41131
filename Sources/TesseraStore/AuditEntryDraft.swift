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
