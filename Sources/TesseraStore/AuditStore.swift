import Foundation

/// The audit log (`audits.audit_log`): appends and reads.
///
/// One of the narrow protocols ``TesseraStore`` is composed of: a flow, and its in-memory fake, depends only on the
/// parts it uses. Every method is a single atomic unit against the database.
public protocol AuditStore: Sendable {

    /// Appends one entry. The store takes the entry's id (on PostgreSQL from a sequence, with no lock another
    /// appender needs; on SQLite under the write lock every write takes), calls `seal` with it, and inserts the
    /// entry with the returned signature, in one transaction (the caller's, when called on a `tx`). No shared row is
    /// read or written: the entry's place in the tree is given later by the sequencer (``AuditLedgerStore``).
    /// - Parameters:
    ///   - draft: What to record.
    ///   - seal: Computes the entry's signature from its canonical form; the link's `previousHash` is empty (entries
    ///     are no longer hash-chained). Runs inside the transaction, so keep it short and free of I/O.
    /// - Returns: The stored entry.
    func appendAuditEntry(
        _ draft: AuditEntryDraft,
        seal: @Sendable (AuditEntryDraft, AuditChainLink) throws -> AuditSeal
    ) async throws -> AuditEntryRecord

    /// Up to `limit` entries with ids above `afterID`, in id order: a reader walks the log page by page with
    /// bounded memory.
    func auditEntries(after afterID: Int64, limit: Int) async throws -> [AuditEntryRecord]

    /// The newest committed entry's id + 1 (1 when the log is empty), with an empty `previousHash`: a cheap way to
    /// count what a test or a flow appended. Not a lock and not a chain position any more.
    func auditChainHead() async throws -> AuditChainLink
}
