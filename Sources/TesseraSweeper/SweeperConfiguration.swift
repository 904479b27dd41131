/// How often and how much the ``Sweeper`` deletes, and how far ahead it keeps the audit log's partitions.
public struct SweeperConfiguration: Sendable, Hashable {
    /// Time between two runs (default 5 minutes). A run starts at once when the server starts.
    public var interval: Duration
    /// Rows deleted per statement, per kind (default 500): small enough that each delete holds its row locks
    /// briefly, on a busy table too.
    public var batchSize: Int
    /// Batches per kind per run at most (default 100): a backlog is worked off over several runs rather than in
    /// one long burst.
    public var maxBatchesPerRun: Int
    /// How long after its expiry a row is kept (default 24 hours), so that a late caller still gets "expired"
    /// rather than "unknown" for a while, and an operator can still look at it.
    public var retention: Duration
    /// How many months after the current one the audit log's monthly partitions must exist (default 3;
    /// PostgreSQL only). The migrations create 13 months.
    public var auditPartitionMonthsAhead: Int

    /// Creates a configuration; every value has a default.
    public init(
        interval: Duration = .seconds(300),
        batchSize: Int = 500,
        maxBatchesPerRun: Int = 100,
        retention: Duration = .seconds(86_400),
        auditPartitionMonthsAhead: Int = 3
    ) {
        self.interval = interval
        self.batchSize = batchSize
        self.maxBatchesPerRun = maxBatchesPerRun
        self.retention = retention
        self.auditPartitionMonthsAhead = auditPartitionMonthsAhead
    }

    /// Refuses values out of their ranges.
    /// - Throws: ``SweeperError`` naming the first value at fault.
    public func validate() throws {
        guard interval >= .milliseconds(10), interval <= .seconds(86_400) else {
            throw SweeperError("the sweep interval must be from 10 ms to 24 hours")
        }
        guard (1...100_000).contains(batchSize) else { throw SweeperError("the sweep batch size must be 1 to 100000") }
        guard (1...100_000).contains(maxBatchesPerRun) else {
            throw SweeperError("the sweep's batches per run must be 1 to 100000")
        }
        guard retention >= .zero, retention <= .seconds(366 * 86_400) else {
            throw SweeperError("the sweep retention must be from 0 to 366 days")
        }
        guard (0...119).contains(auditPartitionMonthsAhead) else {
            throw SweeperError("the audit partitions ahead must be 0 to 119 months")
        }
    }
}

/// A sweeper setting out of range.
public struct SweeperError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public let message: String

    init(_ message: String) {
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
