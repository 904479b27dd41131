import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import TesseraStore

/// The background service that deletes expired rows (sessions, invitations, password resets, MFA challenges: see
/// ``SweepKind/all``) in small batches, and on PostgreSQL keeps the audit log's monthly partitions a few months
/// ahead.
///
/// Runs in `tessera serve`'s service group: one run at start, then one every ``SweeperConfiguration/interval``,
/// until graceful shutdown (a run in progress stops between two batches). Every replica runs one; their deletes
/// skip each other's locked rows, so they share the work rather than wait. A failed step is logged (without any
/// value from the rows), counted in ``MetricName/sweeperFailures``, and retried at the next run; it never stops the
/// server.
public struct Sweeper: Service {
    let store: any TesseraStore
    let partitions: (any AuditPartitionStore)?
    let configuration: SweeperConfiguration
    let kinds: [SweepKind]
    let metrics: SweeperMetrics
    let logger: Logger
    let now: @Sendable () -> Date
    private let warnedNotPermitted = WarnOnce()

    /// Creates the sweeper.
    /// - Parameters:
    ///   - store: The store.
    ///   - partitions: The audit log's partitions (the PostgreSQL store), or nil (SQLite).
    ///   - configuration: Interval, batch size, retention, partitions ahead; validated here.
    ///   - kinds: What to sweep (default: ``SweepKind/all``).
    ///   - metrics: Where to count (default: handles on the bootstrapped backend).
    ///   - logger: Where to log.
    ///   - now: The clock.
    /// - Throws: ``SweeperError`` for a setting out of range.
    public init(
        store: any TesseraStore,
        partitions: (any AuditPartitionStore)?,
        configuration: SweeperConfiguration = SweeperConfiguration(),
        kinds: [SweepKind] = SweepKind.all,
        metrics: SweeperMetrics? = nil,
        logger: Logger = Logger(label: "tessera.sweeper"),
        now: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        try configuration.validate()
        self.store = store
        self.partitions = partitions
        self.configuration = configuration
        self.kinds = kinds
        self.metrics = metrics ?? SweeperMetrics(kinds: kinds)
        self.logger = logger
        self.now = now
    }

    /// Sweeps at once, then every interval, until graceful shutdown or cancellation.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                _ = await sweepOnce()
                do {
                    try await Task.sleep(for: configuration.interval)
                } catch {
                    return
                }
            }
        }
    }

    /// One run: every kind in batches, then the audit partitions. Never throws: failures are in the report, the
    /// log and the metrics.
    /// - Returns: What the run did.
    @discardableResult
    public func sweepOnce() async -> SweepReport {
        let started = now()
        let cutoff = started.addingTimeInterval(-Self.seconds(configuration.retention))
        var report = SweepReport()
        for kind in kinds {
            report.deleted[kind.name] = 0
            do {
                for _ in 0..<configuration.maxBatchesPerRun {
                    if Task.isCancelled { break }
                    let deleted = try await kind.deleteExpired(store, cutoff, configuration.batchSize)
                    report.deleted[kind.name, default: 0] += deleted
                    metrics.deleted(kind.name, deleted)
                    if deleted < configuration.batchSize { break }
                    await Task.yield()
                }
            } catch {
                report.failed.insert(kind.name)
                metrics.failed(kind.name)
                // StoreError's description carries no driver text and no value from a row.
                logger.warning("sweep failed", metadata: ["kind": "\(kind.name)", "error": "\(error)"])
            }
        }
        if let partitions, !Task.isCancelled {
            await keepPartitionsAhead(partitions, now: started, report: &report)
        }
        metrics.runFinished(atUnix: now().timeIntervalSince1970)
        let total = report.deleted.values.reduce(0, +)
        logger.debug(
            "sweep finished",
            metadata: [
                "deleted": "\(total)", "failed": "\(report.failed.sorted())",
                "audit_partitions_missing": "\(report.auditPartitionsMissing)",
            ]
        )
        return report
    }

    private func keepPartitionsAhead(
        _ partitions: any AuditPartitionStore,
        now: Date,
        report: inout SweepReport
    ) async {
        let months = configuration.auditPartitionMonthsAhead + 1
        do {
            let missing = try await partitions.missingAuditPartitions(from: now, months: months)
            report.auditPartitionsMissing = missing
            if missing > 0 {
                if try await partitions.ensureAuditPartitions(from: now, months: months) {
                    let left = try await partitions.missingAuditPartitions(from: now, months: months)
                    report.auditPartitionsCreated = missing - left
                    report.auditPartitionsMissing = left
                    logger.info("audit log partitions created", metadata: ["created": "\(missing - left)"])
                } else {
                    report.auditPartitionsNotPermitted = true
                    metrics.failed(SweeperMetrics.auditPartitionsKind)
                    if warnedNotPermitted.first() {
                        logger.warning(
                            """
                            the audit log's monthly partitions run out soon and this database role may not create \
                            them: run audits.ensure_partitions as the migration role (docs/operations.md)
                            """,
                            metadata: ["missing": "\(missing)"]
                        )
                    }
                }
            }
        } catch {
            report.auditPartitionsFailed = true
            metrics.failed(SweeperMetrics.auditPartitionsKind)
            logger.warning("audit partition check failed", metadata: ["error": "\(error)"])
        }
        metrics.auditPartitionsMissing(report.auditPartitionsMissing)
    }

    /// A duration in seconds (as a `TimeInterval`).
    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// True the first time only: one warning per process for a condition that persists.
final class WarnOnce: Sendable {
    private let done = Mutex(false)

    func first() -> Bool {
        done.withLock { done in
            defer { done = true }
            return !done
        }
    }
}
