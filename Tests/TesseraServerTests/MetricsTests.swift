import Foundation
import MetricsTestKit
import TesseraServer
import TesseraWire
import Testing

/// What the server reports through swift-metrics.
@Suite("Metrics", .timeLimit(.minutes(5)))
struct MetricsTests {
    @Test("Calls are counted by method and status, timed, and unknown methods share one label")
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

            let ok = try metrics.expectCounter(
                "tessera_calls_total", [("method", MethodCatalog.healthCheck.name), ("status", "OK")]
            )
            #expect(ok.totalValue == 2)
            let unauthenticated = try metrics.expectCounter(
                "tessera_calls_total", [("method", MethodCatalog.healthCheck.name), ("status", "UNAUTHENTICATED")]
            )
            #expect(unauthenticated.totalValue == 1)
            let unknown = try metrics.expectCounter(
                "tessera_calls_total", [("method", "unknown"), ("status", "UNIMPLEMENTED")]
            )
            #expect(unknown.totalValue == 1)
            #expect(!metrics.counters.contains { $0.dimensions.contains { $0.1.contains("p4ssw0rd") } })
            let latency = try metrics.expectTimer("tessera_call_duration", [("method", MethodCatalog.healthCheck.name)])
            #expect(latency.values.count == 3)
            #expect(try metrics.expectGauge("tessera_connections").lastValue == 1)
            #expect(try metrics.expectGauge("tessera_calls_in_flight").lastValue == 0)
            #expect(try metrics.expectGauge("tessera_argon2_queue_depth").lastValue == 0)
        }
    }
}
