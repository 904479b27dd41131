/// A point in the audit log's id allocation, taken by the sequencer to learn when every id up to a bound is
/// settled: committed (and visible) or never to commit.
///
/// Entry ids are taken from a sequence before their transaction commits, so they commit out of order and some
/// never commit (a rollback). On PostgreSQL an appender's transaction has a transaction id before it takes an entry
/// id; the marker records the highest entry id handed out, then a transaction id taken after it, so once no
/// transaction at or below that one is still running, no id up to the bound can still appear. On SQLite, ids are
/// taken under the write lock and commit in order, so every marker is settled at once.
public struct AuditAllocationMarker: Sendable, Hashable {
    /// The highest entry id handed out when the marker was taken (0 when none).
    public var lastAllocatedID: Int64
    /// The backend's horizon: every appender that could hold an id up to ``lastAllocatedID`` started before it
    /// (PostgreSQL: a transaction id; SQLite: 0).
    public var horizon: Int64

    /// Creates a marker.
    /// - Parameters:
    ///   - lastAllocatedID: The highest id handed out.
    ///   - horizon: The backend's horizon.
    public init(lastAllocatedID: Int64, horizon: Int64) {
        self.lastAllocatedID = lastAllocatedID
        self.horizon = horizon
    }
}
