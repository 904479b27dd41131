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
    /// When it happened, in whole milliseconds: a finer time is truncated when it is set. The canonical form that
    /// the entry's MAC covers has millisecond resolution and the stores keep microseconds, so an untruncated time
    /// would be stored as a value whose form differs from the one sealed, and the sequencer would refuse the entry.
    public var timestamp: Date {
        get { self.wholeMilliseconds }
        set { self.wholeMilliseconds = Self.truncatedToMilliseconds(newValue) }
    }

    private var wholeMilliseconds: Date

    /// Creates a draft.
    /// - Parameters:
    ///   - entity: Entity kind.
    ///   - action: Action.
    ///   - actorID: Actor.
    ///   - payload: Secret-free details.
    ///   - timestamp: Time (truncated to whole milliseconds).
    public init(entity: String, action: String, actorID: UUID? = nil, payload: [String: String] = [:], timestamp: Date)
    {
        self.entity = entity
        self.action = action
        self.actorID = actorID
        self.payload = payload
        self.wholeMilliseconds = Self.truncatedToMilliseconds(timestamp)
    }

    /// `date` with its sub-millisecond part dropped.
    static func truncatedToMilliseconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }
}
