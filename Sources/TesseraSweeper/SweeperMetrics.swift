import CoreMetrics
import Metrics
import TesseraObservability

/// The sweeper's metric handles, created once for a closed set of `kind` labels (the ``SweepKind`` names and
/// ``auditPartitionsKind``), so every series is visible at zero from the first scrape.
public struct SweeperMetrics: Sendable {
    /// The `kind` label of the audit-partition step's failures.
    public static let auditPartitionsKind = "audit_partitions"

    private let deletedByKind: [String: Counter]
    private let failuresByKind: [String: Counter]
    private let runs: Counter
    private let lastRun: Meter
    private let partitionsMissing: Meter

    /// Creates every handle.
    /// - Parameters:
    ///   - kinds: The kinds swept.
    ///   - factory: The swift-metrics backend (default: the bootstrapped one).
    public init(kinds: [SweepKind], factory: any MetricsFactory = MetricsSystem.factory) {
        var deleted: [String: Counter] = [:]
        var failures: [String: Counter] = [:]
        for name in kinds.map(\.name) + [Self.auditPartitionsKind] {
            failures[name] = Counter(
                label: MetricName.sweeperFailures, dimensions: [("kind", name)], factory: factory
            )
        }
        for kind in kinds {
            deleted[kind.name] = Counter(
                label: MetricName.sweeperDeleted, dimensions: [("kind", kind.name)], factory: factory
            )
        }
        self.deletedByKind = deleted
        self.failuresByKind = failures
        self.runs = Counter(label: MetricName.sweeperRuns, factory: factory)
        self.lastRun = Meter(label: MetricName.sweeperLastRun, factory: factory)
        self.partitionsMissing = Meter(label: MetricName.auditPartitionsMissing, factory: factory)
    }

    /// Records `count` rows of `kind` deleted.
    func deleted(_ kind: String, _ count: Int) {
        guard count > 0 else { return }
        deletedByKind[kind]?.increment(by: Int64(count))
    }

    /// Records a failed step.
    func failed(_ kind: String) {
        failuresByKind[kind]?.increment()
    }

    /// Records the partitions still missing.
    func auditPartitionsMissing(_ count: Int) {
        partitionsMissing.set(count)
    }

    /// Records a finished run.
    func runFinished(atUnix seconds: Double) {
        runs.increment()
        lastRun.set(seconds)
    }
}
