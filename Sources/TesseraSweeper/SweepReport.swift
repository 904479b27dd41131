/// What one run of the ``Sweeper`` did.
public struct SweepReport: Sendable, Hashable {
    /// Rows deleted, by kind name (every kind of the run appears, 0 included).
    public var deleted: [String: Int] = [:]
    /// The kinds whose delete failed in this run (their rows are left for the next run).
    public var failed: Set<String> = []
    /// Monthly audit-log partitions still missing after the run (PostgreSQL; 0 on SQLite).
    public var auditPartitionsMissing = 0
    /// Monthly audit-log partitions this run created.
    public var auditPartitionsCreated = 0
    /// Whether partitions were missing and the database role may not create them.
    public var auditPartitionsNotPermitted = false
    /// Whether checking or creating the partitions failed.
    public var auditPartitionsFailed = false
}
