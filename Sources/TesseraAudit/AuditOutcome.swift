/// How an audited operation ended: a closed set, so an outcome can never carry free text.
public enum AuditOutcome: String, Sendable, Hashable, CaseIterable {
    /// It did what was asked.
    case succeeded
    /// It failed (e.g. a wrong password, a storage error).
    case failed
    /// It was refused by policy (e.g. locked out, not authorised, version still referenced).
    case refused
    /// It was interrupted before finishing (e.g. a rewrap stopped part-way).
    case interrupted
}
