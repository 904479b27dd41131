import Foundation
import MetricsTestKit
import TesseraServer
import TesseraSettings
import TesseraWire
import Testing

/// What the server reports through swift-metrics (`TesseraObservability.ServiceMetrics`).
@Suite("Metrics", .timeLimit(.minutes(5)))
struct MetricsTests {
    @Test("Calls are counted by method and code, timed, and unknown methods share one label")
    func calls() async throws {
        let metrics = TestMetrics()
        try await TestServer.with(metricsFactory: metrics) { server in
            let client = try await server.connect()
            _ = try await client.unary(MethodCatalog.healthCheck.name, token: server.adminToken)
            _ = try await client.unary(MethodCatalog.healthCheck.name, token: server.adminToken)
            _ = try await client.unary(MethodCatalog.healthCheck.name, token: nil)
            _ = try await client.unary("tessera.v1.Secret/p4ssw0rd", token: server.adminToken)
            var hash = Tessera_V1_HashPasswordRequest()
            hash.password = "metrics password"
            _ = try await client.unary(MethodCatalog.passwordsHash.name, body: hash, token: server.adminToken)
            // Counted when the connection is taken, before its first call: while it is open.
            #expect(try metrics.expectMeter("tessera_connections_open").lastValue == 1)
            #expect(try metrics.expectCounter("tessera_connections_total").totalValue == 1)
        }

        // A call is recorded just after its reply is written, so a reply can reach the client first: the calls are
        // checked once the server has stopped, when every call has been recorded.
        let ok = try metrics.expectCounter(
            "tessera_rpc_calls_total", [("method", MethodCatalog.healthCheck.name), ("code", "OK")]
        )
        #expect(ok.totalValue == 2)
        let unauthenticated = try metrics.expectCounter(
            "tessera_rpc_calls_total", [("method", MethodCatalog.healthCheck.name), ("code", "UNAUTHENTICATED")]
        )
        #expect(unauthenticated.totalValue == 1)
        let unknown = try metrics.expectCounter(
            "tessera_rpc_calls_total", [("method", "unknown"), ("code", "UNIMPLEMENTED")]
        )
        #expect(unknown.totalValue == 1)
        let hashed = try metrics.expectCounter(
            "tessera_rpc_calls_total", [("method", MethodCatalog.passwordsHash.name), ("code", "OK")]
        )
        #expect(hashed.totalValue == 1)
        #expect(!metrics.counters.contains { $0.dimensions.contains { $0.1.contains("p4ssw0rd") } })
        #expect(!metrics.timers.contains { $0.dimensions.contains { $0.1.contains("p4ssw0rd") } })
        let latency = try metrics.expectTimer(
            "tessera_rpc_duration_seconds", [("method", MethodCatalog.healthCheck.name)]
        )
        #expect(latency.values.count == 3)
        #expect(try metrics.expectMeter("tessera_rpc_calls_in_flight").lastValue == 0)
        #expect(try metrics.expectMeter("tessera_argon2_queue_depth").lastValue == 0)
        #expect(try metrics.expectCounter("tessera_argon2_rejected_total").totalValue == 0)
    }

    @Test("A protocol error is counted under its wire error code")
    func protocolError() async throws {
        let metrics = TestMetrics()
        try await TestServer.with(metricsFactory: metrics) { server in
            let offender = try await server.connect()
            try await offender.sendRaw([0, 0, 0, 0])
            _ = await offender.drainUntilClosed()
            let emptyFrame = try metrics.expectCounter("tessera_protocol_errors_total", [("reason", "empty_frame")])
            #expect(emptyFrame.totalValue == 1)
            let malformed = try metrics.expectCounter(
                "tessera_protocol_errors_total", [("reason", "malformed_frame")]
            )
            #expect(malformed.totalValue == 0)
        }
    }

    @Test("The metrics endpoint settings: defaults, file, environment and flags, off, and a bad port")
    func endpointSettings() throws {
        let defaults = try #require(try ServerSettings().metricsEndpoint())
        #expect(defaults.host == "127.0.0.1")
        #expect(defaults.port == 9450)

        let path = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID()).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(#"{"metrics_host": "0.0.0.0", "metrics_port": 9000}"#.utf8).write(to: URL(fileURLWithPath: path))
        let file = try ServerSettings.load(from: path)
        let environment = try ServerSettings.fromEnvironment(["TESSERA_METRICS_PORT": "9001"])
        let layered = try #require(try file.overlaid(by: environment).metricsEndpoint())
        #expect(layered.host == "0.0.0.0")
        #expect(layered.port == 9001)

        let off = try ServerSettings.fromEnvironment(["TESSERA_METRICS_ENABLED": "false"])
        #expect(try file.overlaid(by: off).metricsEndpoint() == nil)
        var on = ServerSettings()
        on.metricsEnabled = true
        #expect(try file.overlaid(by: off).overlaid(by: on).metricsEndpoint() != nil)

        #expect(throws: ServerSettingsError.self) {
            try ServerSettings.fromEnvironment(["TESSERA_METRICS_ENABLED": "maybe"])
        }
        var bad = ServerSettings()
        bad.metricsPort = 70000
        #expect(throws: ServerSettingsError.self) { try bad.metricsEndpoint() }
    }
}
