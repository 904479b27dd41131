/// The result of walking the audit chain: intact, or the first break.
public enum AuditVerification: Sendable, Hashable {
    /// Every entry up to the chain head verified.
    case intact(entries: Int64)
    /// The first bad entry.
    case broken(AuditBreak)
}

/// How far a verification has got, for a progress display.
public struct AuditVerificationProgress: Sendable, Hashable {
    /// Entries verified so far.
    public let verified: Int64
    /// Entries to verify (the chain's length when the walk began).
    public let total: Int64
}
