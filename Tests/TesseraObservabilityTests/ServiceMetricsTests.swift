import Prometheus
import TesseraObservability
import TesseraWire
import Testing

/// `ServiceMetrics` against a registry of the test's own (no global bootstrap), read back in the Prometheus
/// text format exactly as `/metrics` serves it.
@Suite("ServiceMetrics")
struct ServiceMetricsTests {
    private static let hash = "tessera.v1.Passwords/Hash"

    private static func make(methods: [String] = MethodCatalog.all.map(\.name)) -> (
        ServiceMetrics, PrometheusCollectorRegistry
    ) {
        let registry = PrometheusCollectorRegistry()
        return (ServiceMetrics(methods: methods, factory: MetricsBootstrap.makeFactory(registry: registry)), registry)
    }

    /// The exposition's sample lines (no `# TYPE`/`# HELP`), as a set.
    private static func samples(_ registry: PrometheusCollectorRegistry) -> Set<String> {
        Set(registry.emitToString().split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") })
    }

    @Test("calls are counted by method and status name, timed in seconds, and leave nothing in flight")
    func callsByMethodAndCode() {
        let (metrics, registry) = Self.make()
        metrics.callStarted(method: Self.hash)
        metrics.callStarted(method: Self.hash)
        metrics.callStarted(method: "tessera.v1.Health/Check")
        #expect(Self.samples(registry).contains("tessera_rpc_calls_in_flight 3.0"))

        metrics.callFinished(method: Self.hash, code: .ok, duration: .milliseconds(3))
        metrics.callFinished(method: Self.hash, code: .resourceExhausted, duration: .milliseconds(20))
        metrics.callFinished(method: "tessera.v1.Health/Check", code: .ok, duration: .microseconds(200))

        let samples = Self.samples(registry)
        #expect(samples.contains(#"tessera_rpc_calls_total{method="tessera.v1.Passwords/Hash",code="OK"} 1"#))
        #expect(
            samples.contains(
                #"tessera_rpc_calls_total{method="tessera.v1.Passwords/Hash",code="RESOURCE_EXHAUSTED"} 1"#
            )
        )
        #expect(samples.contains(#"tessera_rpc_calls_total{method="tessera.v1.Health/Check",code="OK"} 1"#))
        #expect(samples.contains(#"tessera_rpc_calls_total{method="tessera.v1.Secrets/Seal",code="OK"} 0"#))
        #expect(samples.contains("tessera_rpc_calls_in_flight 0.0"))
        // 3 ms and 20 ms: neither in the 2.5 ms bucket, one in 5 ms, both in 25 ms.
        let bucket = #"tessera_rpc_duration_seconds_bucket{method="tessera.v1.Passwords/Hash",le="#
        #expect(samples.contains(bucket + #""0.0025"} 0"#))
        #expect(samples.contains(bucket + #""0.005"} 1"#))
        #expect(samples.contains(bucket + #""0.025"} 2"#))
        #expect(samples.contains(bucket + #""+Inf"} 2"#))
        #expect(samples.contains(#"tessera_rpc_duration_seconds_count{method="tessera.v1.Passwords/Hash"} 2"#))
        #expect(samples.contains(#"tessera_rpc_duration_seconds_sum{method="tessera.v1.Passwords/Hash"} 0.023"#))
        #expect(
            samples.contains(#"tessera_rpc_duration_seconds_bucket{method="tessera.v1.Health/Check",le="0.0005"} 1"#))
    }

    @Test("latency histograms use the 0.5 ms … 10 s buckets")
    func histogramBuckets() {
        let (_, registry) = Self.make()
        let text = registry.emitToString()
        #expect(text.contains("# TYPE tessera_rpc_duration_seconds histogram"))
        let expected = [
            "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0",
            "2.5", "5.0", "10.0", "+Inf",
        ]
        for le in expected {
            #expect(text.contains(#"tessera_rpc_duration_seconds_bucket{method="unknown",le="\#(le)"} 0"#))
        }
        #expect(MetricsBootstrap.rpcLatencyBuckets.first == .microseconds(500))
        #expect(MetricsBootstrap.rpcLatencyBuckets.last == .seconds(10))
        #expect(MetricsBootstrap.rpcLatencyBuckets == MetricsBootstrap.rpcLatencyBuckets.sorted())
    }

    @Test("random method names all land in one `unknown` series and never become labels")
    func cardinalityGuard() {
        let (metrics, registry) = Self.make()
        let before = registry.emitToString().split(separator: "\n").count
        var names: [String] = []
        for index in 0..<1000 {
            let name = "attacker.v\(index)/\(UInt64.random(in: 0...UInt64.max))"
            names.append(name)
            metrics.callStarted(method: name)
            metrics.callFinished(method: name, code: .unimplemented, duration: .microseconds(50))
        }
        // A name that only looks like a label value must not be trusted either.
        metrics.callStarted(method: "unknown")
        metrics.callFinished(method: "unknown", code: .unimplemented, duration: .microseconds(50))

        let text = registry.emitToString()
        #expect(text.split(separator: "\n").count == before, "no new series")
        #expect(text.contains(#"tessera_rpc_calls_total{method="unknown",code="UNIMPLEMENTED"} 1001"#))
        #expect(text.contains(#"tessera_rpc_duration_seconds_count{method="unknown"} 1001"#))
        #expect(!text.contains("attacker"))
        #expect(metrics.methodLabel(for: names[0]) == ServiceMetrics.unknownMethod)
        #expect(metrics.methodLabel(for: Self.hash) == Self.hash)
    }

    @Test("only the methods passed in become labels")
    func methodsArePassedIn() {
        let (metrics, registry) = Self.make(methods: ["tessera.v1.Custom/Do"])
        metrics.callStarted(method: Self.hash)
        metrics.callFinished(method: Self.hash, code: .ok, duration: .milliseconds(1))
        let text = registry.emitToString()
        #expect(text.contains(#"tessera_rpc_calls_total{method="tessera.v1.Custom/Do",code="OK"} 0"#))
        #expect(text.contains(#"tessera_rpc_calls_total{method="unknown",code="OK"} 1"#))
        #expect(!text.contains(Self.hash))
    }

    @Test("connections, Argon2 queue and protocol errors")
    func connectionsQueueAndProtocolErrors() {
        let (metrics, registry) = Self.make()
        metrics.connectionOpened()
        metrics.connectionOpened()
        metrics.connectionClosed()
        metrics.connectionRejected()
        metrics.argon2QueueDepth(7)
        metrics.argon2QueueDepth(5)
        metrics.argon2Rejected()
        metrics.argon2Rejected()
        metrics.protocolError(.frameTooLarge)
        metrics.protocolError(.duplicateCallID)
        metrics.protocolError(.duplicateCallID)

        let samples = Self.samples(registry)
        #expect(samples.contains("tessera_connections_open 1.0"))
        #expect(samples.contains("tessera_connections_total 2"))
        #expect(samples.contains("tessera_connections_rejected_total 1"))
        #expect(samples.contains("tessera_argon2_queue_depth 5.0"))
        #expect(samples.contains("tessera_argon2_rejected_total 2"))
        #expect(samples.contains(#"tessera_protocol_errors_total{reason="frame_too_large"} 1"#))
        #expect(samples.contains(#"tessera_protocol_errors_total{reason="duplicate_call_id"} 2"#))
        #expect(samples.contains(#"tessera_protocol_errors_total{reason="empty_frame"} 0"#))
        let text = registry.emitToString()
        #expect(text.contains("# TYPE tessera_connections_open gauge"))
        #expect(text.contains("# TYPE tessera_connections_total counter"))
        #expect(text.contains("# TYPE tessera_argon2_rejected_total counter"))
    }

    @Test("Argon2 rejections learnt in batches are added once; a zero or negative count adds nothing")
    func argon2RejectedCount() {
        let (metrics, registry) = Self.make()
        metrics.argon2Rejected(count: 3)
        metrics.argon2Rejected(count: 0)
        metrics.argon2Rejected(count: -2)
        metrics.argon2Rejected()
        #expect(Self.samples(registry).contains("tessera_argon2_rejected_total 4"))
    }

    @Test("every metric name follows the Prometheus conventions")
    func metricNames() {
        let names = [
            MetricName.rpcCalls, MetricName.rpcDuration, MetricName.rpcCallsInFlight, MetricName.connectionsOpen,
            MetricName.connectionsAccepted, MetricName.connectionsRejected, MetricName.protocolErrors,
            MetricName.argon2QueueDepth, MetricName.argon2Rejected,
        ]
        let (_, registry) = Self.make()
        let text = registry.emitToString()
        for name in names {
            #expect(name.hasPrefix("tessera_"))
            #expect(name.allSatisfy { $0.isLowercase || $0 == "_" || $0.isNumber })
            #expect(text.contains("# TYPE \(name) "), "\(name) is exported from the start")
        }
        for counter in [
            MetricName.rpcCalls, MetricName.connectionsAccepted, MetricName.connectionsRejected,
            MetricName.protocolErrors, MetricName.argon2Rejected,
        ] {
            #expect(counter.hasSuffix("_total"))
        }
    }

    @Test("bootstrapping the global MetricsSystem twice installs once and returns the same registry")
    func bootstrapOnce() async {
        // In a child process: the global MetricsSystem is process-wide, and other suites in this test binary
        // may bootstrap their own backend (a second bootstrap traps).
        await #expect(processExitsWith: .success) {
            struct Failed: Error {}
            let first = MetricsBootstrap.bootstrapGlobally()
            let second = MetricsBootstrap.bootstrapGlobally()
            guard first === second else { throw Failed() }
            let metrics = ServiceMetrics()
            metrics.argon2Rejected()
            guard first.emitToString().contains("tessera_argon2_rejected_total 1\n") else { throw Failed() }
        }
    }
}
