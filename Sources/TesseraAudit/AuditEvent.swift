import Foundation
import TesseraStore

/// What happened, in the audit chain's typed, secret-free vocabulary: the part of an entry the caller chooses
/// (the store adds the chain position, ``AuditLog`` the timestamp, hash and signature).
public struct AuditEvent: Sendable, Hashable {
    /// The kind of thing acted on (e.g. `session`).
    public var entity: AuditName
    /// What happened (e.g. `refresh.rotated`).
    public var action: AuditName
    /// The user who did it, if a user did.
    public var actorID: UUID?
    /// Typed, secret-free details.
    public var payload: AuditPayload

    /// Creates an event.
    /// - Parameters:
    ///   - entity: The kind of thing acted on.
    ///   - action: What happened.
    ///   - actorID: The user who did it, if a user did.
    ///   - payload: Typed, secret-free details.
    public init(entity: AuditName, action: AuditName, actorID: UUID? = nil, payload: AuditPayload = AuditPayload()) {
        self.entity = entity
        self.action = action
        self.actorID = actorID
        self.payload = payload
    }

    /// The store's draft of this event at `timestamp` (which the draft truncates to whole milliseconds, so that
    /// what is stored is exactly what is signed on every backend).
    /// - Parameter timestamp: When it happened.
    /// - Returns: The draft to append.
    public func draft(at timestamp: Date) -> AuditEntryDraft {
        AuditEntryDraft(
            entity: self.entity.rawValue,
            action: self.action.rawValue,
            actorID: self.actorID,
            payload: self.payload.fields,
            timestamp: timestamp
        )
    }
}
