import CoreMetrics
import Synchronization

/// The keyring's gauges: the active version's usage, the rewrap's progress, and the data keys still wrapped by old
/// (non-active) versions, set by the serve process's keyring loops (handles created once, here, or once per old
/// version).
public struct KeyringMetrics: Sendable {
    private let activeWraps: Meter
    private let usageWarning: Meter
    private let rewrapProcessed: Meter
    private let rewrapRunning: Meter
    private let oldestReferenced: Meter
    private let referencesCounted: Meter
    private let oldVersions: OldVersionMeters

    /// Creates the handles.
    ///
    /// - Parameter factory: Where they record (default: the global metrics system; tests pass their own).
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.activeWraps = Meter(label: MetricName.keyringActiveWraps, dimensions: [], factory: factory)
        self.usageWarning = Meter(label: MetricName.keyringUsageWarning, dimensions: [], factory: factory)
        self.rewrapProcessed = Meter(label: MetricName.keyringRewrapProcessed, dimensions: [], factory: factory)
        self.rewrapRunning = Meter(label: MetricName.keyringRewrapRunning, dimensions: [], factory: factory)
        self.oldestReferenced = Meter(
            label: MetricName.keyringOldVersionReferencedSeconds, dimensions: [], factory: factory
        )
        self.referencesCounted = Meter(
            label: MetricName.keyringReferencesCountedTimestamp, dimensions: [], factory: factory
        )
        self.oldVersions = OldVersionMeters(factory: factory)
    }

    /// Records the active version's usage.
    /// - Parameters:
    ///   - wraps: Data keys wrapped under it.
    ///   - overWarning: Whether it is past the warning threshold.
    public func recordUsage(wraps: Int64, overWarning: Bool) {
        activeWraps.set(Double(wraps))
        usageWarning.set(overWarning ? 1 : 0)
    }

    /// Records the rewrap's progress.
    /// - Parameters:
    ///   - processed: Rows looked at.
    ///   - running: Whether it is running.
    public func recordRewrap(processed: Int64, running: Bool) {
        rewrapProcessed.set(Double(processed))
        rewrapRunning.set(running ? 1 : 0)
    }

    /// Records a count of the data keys still wrapped by old versions: one `version`-labelled series per
    /// decrypt-only version (a version no longer listed, because it was retired, loses its series).
    ///
    /// - Parameters:
    ///   - dataKeys: Data keys per decrypt-only version number.
    ///   - oldestReferencedSeconds: Seconds since the longest-superseded version still wrapping a data key stopped
    ///     being active (0 when none).
    ///   - countedAt: When the count was made, as Unix time in seconds.
    public func recordReferences(dataKeys: [Int: Int64], oldestReferencedSeconds: Double, countedAt: Double) {
        oldVersions.record(dataKeys)
        oldestReferenced.set(oldestReferencedSeconds)
        referencesCounted.set(countedAt)
    }
}

/// The `tessera_keyring_old_version_data_keys` series, one per old version: the label set is the store's own
/// version numbers (a closed, small set), never anything from a request.
private final class OldVersionMeters: Sendable {
    private let factory: any MetricsFactory
    private let meters = Mutex<[Int: Meter]>([:])

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    func record(_ dataKeys: [Int: Int64]) {
        meters.withLock { meters in
            for (version, meter) in meters where dataKeys[version] == nil {
                meter.destroy()
                meters[version] = nil
            }
            for (version, count) in dataKeys {
                let meter =
                    meters[version]
                    ?? Meter(
                        label: MetricName.keyringOldVersionDataKeys, dimensions: [("version", String(version))],
                        factory: factory
                    )
                meters[version] = meter
                meter.set(Double(count))
            }
        }
    }
}
