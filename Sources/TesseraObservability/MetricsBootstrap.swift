import CoreMetrics
import Prometheus
import Synchronization

/// Sets up swift-metrics with a Prometheus backend, once per process.
///
/// swift-metrics' `MetricsSystem.bootstrap(_:)` traps when it is called twice, so the process-wide set-up goes
/// through ``bootstrapGlobally()``, which remembers the registry it installed and hands the same one back on
/// every later call. Tests never need the global system: they build their own registry and pass
/// ``makeFactory(registry:)``'s factory to ``ServiceMetrics`` explicitly, so suites can run in parallel without
/// seeing each other's values.
public enum MetricsBootstrap {
    /// Histogram buckets for RPC latency: 0.5 ms to 10 s, roughly 1–2.5–5 per decade.
    ///
    /// The low end resolves a `Health/Check` or a `Seal` (tens to hundreds of microseconds plus the network),
    /// the middle an Argon2id hash (tens to hundreds of milliseconds), the top a call stuck behind a full
    /// queue or a slow store. Anything slower lands in `+Inf`.
    public static let rpcLatencyBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    /// The registry installed by ``bootstrapGlobally()``, or `nil` before the first call.
    private static let installed = Mutex<PrometheusCollectorRegistry?>(nil)

    /// Makes a swift-metrics factory that records into `registry`, with Tessera's latency buckets for every
    /// `Timer`.
    ///
    /// swift-prometheus 2.x turns a swift-metrics `Timer` into a duration histogram whose buckets come from
    /// the factory (`defaultDurationHistogramBuckets`, or `durationHistogramBuckets[label]`); a bucket list
    /// is fixed by the first handle created under a name.
    ///
    /// - Parameter registry: Where the metrics are kept; ``ObservabilityServer`` serves it on `/metrics`.
    /// - Returns: A factory to bootstrap `MetricsSystem` with, or to pass to ``ServiceMetrics`` directly.
    public static func makeFactory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.rpcLatencyBuckets
        return factory
    }

    /// Bootstraps swift-metrics' global `MetricsSystem` with a Prometheus factory, the first time only.
    ///
    /// The first call creates a registry, installs ``makeFactory(registry:)``'s factory and returns the
    /// registry; later calls install nothing and return that same registry. Code that bootstraps
    /// `MetricsSystem` by some other route must not be mixed with this (swift-metrics would trap).
    ///
    /// - Returns: The registry every metric created through `MetricsSystem` is recorded in.
    @discardableResult
    public static func bootstrapGlobally() -> PrometheusCollectorRegistry {
        Self.installed.withLock { installed in
            if let registry = installed {
                return registry
            }
            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(Self.makeFactory(registry: registry))
            installed = registry
            return registry
        }
    }
}
