import Foundation

/// The audit chain (`audits.audit_log`) and its head.
///
/// One of the narrow protocols ``TesseraStore`` is composed of: a flow, and its in-memory fake, depends only on the
/// parts it uses. Every method is a single atomic unit against the database.
public protocol AuditStore: Sendable {

    /// Appends one entry to the audit chain. Under the chain lock (a single-row chain head, so appends are linear
    /// across processes too) the store picks the entry's id and previous hash, calls `seal` with them, inserts the
    /// entry with the returned signature and moves the head to the returned hash — all in one transaction.
    /// - Parameters:
    ///   - draft: What to record.
    ///   - seal: Computes the entry's hash and signature from its canonical form; runs inside the transaction, so
    ///     keep it short and free of I/O.
    /// - Returns: The stored entry.
    func appendAuditEntry(
        _ draft: AuditEntryDraft,
        seal: @Sendable (AuditEntryDraft, AuditChainLink) throws -> AuditSeal
    ) async throws -> AuditEntryRecord

    /// Up to `limit` entries with ids above `afterID`, in chain order: a verifier walks the chain page by page with
    /// bounded memory.
    func auditEntries(after afterID: Int64, limit: Int) async throws -> [AuditEntryRecord]

    /// The link the next entry would get: the last entry's id + 1, and the last entry's hash (32 zero bytes when
    /// the chain is empty).
    func auditChainHead() async throws -> AuditChainLink

    /// The smallest id of an entry above the chain head, read with the head in one snapshot, or nil when there is
    /// none (always, unless the head was rewound: appends insert an entry and move the head in one transaction).
    func firstAuditEntryBeyondChainHead() async throws -> Int64?
}
