import Foundation

/// The monthly partitions of the audit log (`audits.audit_log_YYYY_MM`, PostgreSQL only: SQLite has one table).
///
/// Rows beyond the last monthly partition land in the default partition, so an append never fails for want of
/// one; but a month's rows belong in its own partition, so the sweeper keeps a few months ahead. Kept apart from
/// ``TesseraStore``: only the PostgreSQL backend conforms.
public protocol AuditPartitionStore: Sendable {

    /// How many of the `months` monthly partitions starting with `start`'s month (UTC) do not exist yet.
    ///
    /// A catalog read any role may make.
    /// - Throws: ``StoreError/Code/invalidValue`` when `months` is not 1 to 120.
    func missingAuditPartitions(from start: Date, months: Int) async throws -> Int

    /// Creates the `months` monthly partitions starting with `start`'s month that do not exist yet
    /// (`audits.ensure_partitions`, idempotent; each new partition gets its TRUNCATE guard).
    ///
    /// - Returns: false when the database role may not (the runtime role of `ops/postgres/bootstrap.sql` has no
    ///   EXECUTE on Tessera's functions: the migration role's monthly job creates them, see
    ///   `docs/operations.md`).
    /// - Throws: ``StoreError/Code/invalidValue`` when `months` is not 1 to 120; ``StoreError`` for other failures.
    func ensureAuditPartitions(from start: Date, months: Int) async throws -> Bool
}
