import CoreMetrics

/// The keyring's gauges: the active version's usage and the rewrap's progress, set by the serve process's keyring
/// loops (handles created once, here).
public struct KeyringMetrics: Sendable {
    private let activeWraps: Meter
    private let usageWarning: Meter
    private let rewrapProcessed: Meter
    private let rewrapRunning: Meter

    /// Creates the handles with the global metrics factory.
    public init() {
        self.activeWraps = Meter(label: MetricName.keyringActiveWraps)
        self.usageWarning = Meter(label: MetricName.keyringUsageWarning)
        self.rewrapProcessed = Meter(label: MetricName.keyringRewrapProcessed)
        self.rewrapRunning = Meter(label: MetricName.keyringRewrapRunning)
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
}
