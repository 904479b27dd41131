import Foundation

/// What a verification of the audit log found.
public struct AuditVerificationReport: Sendable, Hashable {
    /// Entries in the tree and covered by a signed checkpoint, all verified.
    public var sealedEntries: Int64
    /// Committed entries not yet in a checkpoint (the unsealed tail): their MACs were verified, their place is not
    /// fixed yet.
    public var unsealedEntries: Int64
    /// Signed checkpoints verified.
    public var checkpoints: Int64
    /// The newest checkpoint, if any.
    public var lastCheckpoint: AuditCheckpoint?
    /// The first break, or nil when everything verified.
    public var firstBreak: AuditBreak?

    /// Whether everything verified.
    public var isIntact: Bool { firstBreak == nil }

    /// How long ago the newest checkpoint was signed, seen from `now` (nil without one).
    /// - Parameter now: The time to measure from.
    /// - Returns: The age.
    public func checkpointAge(now: Date = Date()) -> Duration? {
        lastCheckpoint.map { .milliseconds(AuditCanonicalForm.milliseconds(of: now) - $0.timestampMilliseconds) }
    }
}

/// How far a verification has got, for a progress display.
public struct AuditVerificationProgress: Sendable, Hashable {
    /// Entries verified so far.
    public let verified: Int64
    /// Entries to verify (the tree's size when the walk began).
    public let total: Int64
}
