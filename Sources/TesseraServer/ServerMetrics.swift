import Metrics
import Synchronization
import TesseraCrypto
import TesseraWire

/// The server's metrics through swift-metrics; handles are created once and cached.
///
/// Labels are only method names from the ``MethodCatalog`` (anything else is `unknown`) and status code names,
/// so a client cannot create series or smuggle text into a label.
final class ServerMetrics: Sendable {
    private let factory: any MetricsFactory
    private let connections: Gauge
    private let callsInFlight: Gauge
    private let argon2QueueDepth: Gauge
    private let argon2Rejections: Counter
    private let connectionsRefused: Counter
    private let protocolErrors: Counter

    private let calls = Mutex<[String: Counter]>([:])
    private let latency = Mutex<[String: Metrics.Timer]>([:])
    private let counts = Mutex<(connections: Int, calls: Int, argon2Rejected: Int)>((0, 0, 0))

    /// Creates the handles.
    ///
    /// - Parameter factory: Where metrics go; the process-wide `MetricsSystem.factory` by default.
    init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
        self.connections = Gauge(label: "tessera_connections", factory: factory)
        self.callsInFlight = Gauge(label: "tessera_calls_in_flight", factory: factory)
        self.argon2QueueDepth = Gauge(label: "tessera_argon2_queue_depth", factory: factory)
        self.argon2Rejections = Counter(label: "tessera_argon2_rejections_total", factory: factory)
        self.connectionsRefused = Counter(label: "tessera_connections_refused_total", factory: factory)
        self.protocolErrors = Counter(label: "tessera_protocol_errors_total", factory: factory)
    }

    /// The label of a method name: itself when it is in the catalog, `unknown` otherwise.
    static func methodLabel(_ name: String) -> String {
        MethodCatalog.method(named: name) == nil ? "unknown" : name
    }

    func connectionOpened() {
        let value = counts.withLock { counts in
            counts.connections += 1
            return counts.connections
        }
        connections.record(value)
    }

    func connectionClosed() {
        let value = counts.withLock { counts in
            counts.connections -= 1
            return counts.connections
        }
        connections.record(value)
    }

    func connectionRefused() {
        connectionsRefused.increment()
    }

    func protocolError() {
        protocolErrors.increment()
    }

    func callStarted() {
        let value = counts.withLock { counts in
            counts.calls += 1
            return counts.calls
        }
        callsInFlight.record(value)
    }

    /// Records a finished call: its count by method and status, its latency, and the in-flight gauge.
    func callFinished(method: String, status: StatusCode, duration: Duration) {
        let value = counts.withLock { counts in
            counts.calls -= 1
            return counts.calls
        }
        callsInFlight.record(value)
        let label = Self.methodLabel(method)
        let key = label + "|" + status.description
        let counter = calls.withLock { cache in
            if let counter = cache[key] { return counter }
            let counter = Counter(
                label: "tessera_calls_total",
                dimensions: [("method", label), ("status", status.description)],
                factory: factory
            )
            cache[key] = counter
            return counter
        }
        counter.increment()
        let timer = latency.withLock { cache in
            if let timer = cache[label] { return timer }
            let timer = Metrics.Timer(
                label: "tessera_call_duration",
                dimensions: [("method", label)],
                factory: factory
            )
            cache[label] = timer
            return timer
        }
        timer.record(duration: duration)
    }

    /// Records the Argon2 queue depth, and the rejections since the last look.
    func observe(_ hasher: PasswordHasher) {
        argon2QueueDepth.record(hasher.queueDepth)
        let rejected = hasher.rejectedCount
        let delta = counts.withLock { counts in
            defer { counts.argon2Rejected = max(counts.argon2Rejected, rejected) }
            return max(0, rejected - counts.argon2Rejected)
        }
        if delta > 0 {
            argon2Rejections.increment(by: Int64(delta))
        }
    }
}
