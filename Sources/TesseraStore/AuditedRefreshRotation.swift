import Foundation

/// The result of
/// ``TesseraStore/rotateRefreshToken(oldHash:newHash:newExpiresAt:now:graceWindow:audit:seal:)``: the rotation's
/// outcome and the audit entry appended with it, in the same transaction.
public struct AuditedRefreshRotation: Sendable, Hashable {
    /// What the rotation did (or why it refused).
    public var outcome: RefreshRotation
    /// The audit entry recording it, or nil when the caller's `audit` closure asked for none.
    public var auditEntry: AuditEntryRecord?

    /// Creates a result.
    /// - Parameters:
    ///   - outcome: The rotation's outcome.
    ///   - auditEntry: The entry appended with it, if any.
    public init(outcome: RefreshRotation, auditEntry: AuditEntryRecord?) {
        self.outcome = outcome
        self.auditEntry = auditEntry
    }
}
