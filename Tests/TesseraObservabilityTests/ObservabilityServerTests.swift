import Logging
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle
import TesseraObservability
import TesseraWire
import Testing

/// The endpoint over real sockets on 127.0.0.1, each test with its own server, registry and free port.
@Suite("ObservabilityServer", .timeLimit(.minutes(5)))
struct ObservabilityServerTests {
    @Test("GET /metrics serves what ServiceMetrics recorded, in the text exposition format")
    func metricsEndpoint() async throws {
        let registry = PrometheusCollectorRegistry()
        let metrics = ServiceMetrics(factory: MetricsBootstrap.makeFactory(registry: registry))
        metrics.connectionOpened()
        metrics.callStarted(method: "tessera.v1.Secrets/Seal")
        metrics.callFinished(method: "tessera.v1.Secrets/Seal", code: .ok, duration: .microseconds(700))
        metrics.callStarted(method: "no.such/Method")
        metrics.callFinished(method: "no.such/Method", code: .unimplemented, duration: .microseconds(10))
        metrics.argon2QueueDepth(3)

        try await ServerHarness.withServer(registry: registry) { port in
            try await RawHTTPConnection.with(port: port) { connection in
                try await connection.request("GET", "/metrics")
                let response = try #require(try await connection.readResponse())
                #expect(response.statusCode == 200)
                #expect(response.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
                #expect(response.headers["cache-control"] == "no-store")
                let lines = Set(response.body.split(separator: "\n").map(String.init))
                #expect(lines.contains(#"tessera_rpc_calls_total{method="tessera.v1.Secrets/Seal",code="OK"} 1"#))
                #expect(lines.contains(#"tessera_rpc_calls_total{method="unknown",code="UNIMPLEMENTED"} 1"#))
                #expect(
                    lines.contains(
                        #"tessera_rpc_duration_seconds_bucket{method="tessera.v1.Secrets/Seal",le="0.0005"} 0"#))
                #expect(
                    lines.contains(
                        #"tessera_rpc_duration_seconds_bucket{method="tessera.v1.Secrets/Seal",le="0.001"} 1"#))
                #expect(lines.contains("# TYPE tessera_rpc_duration_seconds histogram"))
                #expect(lines.contains("tessera_connections_open 1.0"))
                #expect(lines.contains("tessera_argon2_queue_depth 3.0"))
                #expect(!response.body.contains("no.such"))

                // Keep-alive: a later scrape on the same connection sees new values.
                metrics.argon2Rejected()
                try await connection.request("GET", "/metrics?debug=1")
                let second = try #require(try await connection.readResponse())
                #expect(second.statusCode == 200)
                #expect(second.body.contains("tessera_argon2_rejected_total 1\n"))
            }
        }
    }

    @Test("/healthz answers 200 ok; HEAD answers headers only")
    func healthz() async throws {
        try await ServerHarness.withServer { port in
            try await RawHTTPConnection.with(port: port) { connection in
                try await connection.request("GET", "/healthz")
                let response = try #require(try await connection.readResponse())
                #expect(response.statusCode == 200)
                #expect(response.body == "ok\n")

                try await connection.request("HEAD", "/healthz")
                let head = try #require(try await connection.readResponse(expectBody: false))
                #expect(head.statusCode == 200)
                #expect(head.headers["content-length"] == "3")

                // Nothing may follow the HEAD answer: the next response starts right after its headers.
                try await connection.request("GET", "/nope")
                let next = try #require(try await connection.readResponse())
                #expect(next.statusCode == 404)
            }
        }
    }

    @Test("/readyz follows the readiness closure: 503 until ready, 200, and back")
    func readyz() async throws {
        let flag = ReadinessFlag()
        try await ServerHarness.withServer(readiness: { flag.get() }) { port in
            try await RawHTTPConnection.with(port: port) { connection in
                for ready in [false, true, false, true] {
                    flag.set(ready)
                    try await connection.request("GET", "/readyz")
                    let response = try #require(try await connection.readResponse())
                    #expect(response.statusCode == (ready ? 200 : 503))
                }
            }
        }
    }

    @Test(
        "unknown paths get 404, other methods 405 with Allow",
        arguments: [
            ("GET", "/", 404), ("GET", "/metrics/extra", 404), ("GET", "/admin", 404),
            ("POST", "/metrics", 405), ("PUT", "/healthz", 405), ("DELETE", "/readyz", 405), ("POST", "/other", 405),
        ])
    func notFoundAndMethodNotAllowed(method: String, path: String, status: Int) async throws {
        try await ServerHarness.withServer { port in
            try await RawHTTPConnection.with(port: port) { connection in
                try await connection.request(method, path, headers: ["Content-Length: 0"])
                let response = try #require(try await connection.readResponse())
                #expect(response.statusCode == status)
                if status == 405 {
                    #expect(response.headers["allow"] == "GET, HEAD")
                }
            }
        }
    }

    @Test("an oversized request head is refused with 431 and the connection closed; the server keeps serving")
    func oversizedHead() async throws {
        try await ServerHarness.withServer { port in
            try await RawHTTPConnection.with(port: port) { connection in
                let padding = String(repeating: "a", count: 16 * 1024)
                try await connection.request("GET", "/healthz", headers: ["X-Padding: \(padding)"])
                let response = try #require(try await connection.readResponse())
                #expect(response.statusCode == 431)
                #expect(response.headers["connection"] == "close")
                #expect(await connection.isClosedByServer())
            }
            try await Self.expectServing(port: port)
        }
    }

    @Test("a head past the HTTP parser's own limit is refused without crashing")
    func hugeHead() async throws {
        try await ServerHarness.withServer { port in
            try await RawHTTPConnection.with(port: port) { connection in
                let padding = String(repeating: "b", count: 8 * 1024)
                let headers = (0..<16).map { "X-Padding-\($0): \(padding)" }
                try await connection.request("GET", "/healthz", headers: headers)
                // NIO's parser answers 400 or our check answers 431; either way no 200 and the connection ends.
                if let response = try await connection.readResponse() {
                    #expect([400, 431].contains(response.statusCode))
                }
                #expect(await connection.isClosedByServer())
            }
            try await Self.expectServing(port: port)
        }
    }

    @Test("an oversized body is refused with 413 (or a reset) and the server keeps serving")
    func oversizedBody() async throws {
        try await ServerHarness.withServer(configure: { $0.maxRequestBodyBytes = 512 }) { port in
            try await RawHTTPConnection.with(port: port) { connection in
                let body = String(repeating: "c", count: 4096)
                try await connection.send(
                    "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
                )
                if let response = try await connection.readResponse() {
                    #expect(response.statusCode == 413)
                }
                #expect(await connection.isClosedByServer())
            }
            try await Self.expectServing(port: port)
        }
    }

    @Test("Connection: close is honoured")
    func connectionClose() async throws {
        try await ServerHarness.withServer { port in
            try await RawHTTPConnection.with(port: port) { connection in
                try await connection.request("GET", "/healthz", headers: ["Connection: close"])
                let response = try #require(try await connection.readResponse())
                #expect(response.statusCode == 200)
                #expect(response.headers["connection"] == "close")
                #expect(await connection.isClosedByServer())
            }
        }
    }

    @Test("an idle connection is closed after the idle timeout")
    func idleTimeout() async throws {
        try await ServerHarness.withServer(configure: { $0.idleTimeout = .milliseconds(200) }) { port in
            try await RawHTTPConnection.with(port: port) { connection in
                let start = ContinuousClock.now
                #expect(await connection.isClosedByServer())
                #expect(ContinuousClock.now - start < .seconds(60))
            }
        }
    }

    @Test("connections past the limit are closed at once; admitted ones keep working")
    func connectionLimit() async throws {
        try await ServerHarness.withServer(configure: { $0.maxConnections = 1 }) { port in
            try await RawHTTPConnection.with(port: port) { first in
                try await first.request("GET", "/healthz")
                #expect(try await first.readResponse()?.statusCode == 200)
                try await RawHTTPConnection.with(port: port) { second in
                    try? await second.request("GET", "/healthz")
                    let response = try await second.readResponse()
                    #expect(response == nil, "the server closed the connection over the limit")
                }
                try await first.request("GET", "/healthz")
                #expect(try await first.readResponse()?.statusCode == 200)
            }
        }
    }

    @Test("graceful shutdown closes idle keep-alive connections and run() returns")
    func gracefulShutdown() async throws {
        var configuration = ObservabilityServer.Configuration(host: "127.0.0.1", port: 0)
        configuration.idleTimeout = .seconds(600)
        let server = ObservabilityServer(
            configuration: configuration, registry: PrometheusCollectorRegistry(),
            logger: Logger(label: "test.observability")
        )
        let group = ServiceGroup(services: [server], logger: Logger(label: "test.service-group"))
        var boundPort = 0
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let port = try await server.listeningPort()
            boundPort = port
            try await RawHTTPConnection.with(port: port) { connection in
                try await connection.request("GET", "/healthz")
                #expect(try await connection.readResponse()?.statusCode == 200)
                // The connection is idle and kept alive; shutting down must close it rather than wait for it.
                let start = ContinuousClock.now
                await group.triggerGracefulShutdown()
                #expect(await connection.isClosedByServer())
                try await tasks.waitForAll()
                #expect(ContinuousClock.now - start < .seconds(120), "well under the 10 min idle timeout")
            }
        }
        // The port is released: nothing accepts there any more.
        let port = boundPort
        await #expect(throws: (any Error).self) {
            try await RawHTTPConnection.with(port: port) { _ in }
        }
    }

    @Test("graceful shutdown lets the response in progress finish, with Connection: close")
    func gracefulShutdownMidRequest() async throws {
        let (entered, enteredContinuation) = AsyncStream.makeStream(of: Void.self)
        let server = ObservabilityServer(
            configuration: .init(host: "127.0.0.1", port: 0), registry: PrometheusCollectorRegistry(),
            logger: Logger(label: "test.observability"),
            readiness: {
                enteredContinuation.yield()
                // Answer only once the shutdown handlers have run. The closure runs in the connection's task, which
                // sees the service's shutdown flag; that flag is read under the lock the handlers run under, so
                // once it reads true every handler, the connection's included, has run.
                let deadline = ContinuousClock.now + .seconds(30)
                while !Task.isShuttingDownGracefully, ContinuousClock.now < deadline {
                    try? await Task.sleep(for: .milliseconds(5))
                }
                #expect(Task.isShuttingDownGracefully, "graceful shutdown reached the connection within 30 s")
                return true
            }
        )
        let group = ServiceGroup(services: [server], logger: Logger(label: "test.service-group"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let port = try await server.listeningPort()
            try await RawHTTPConnection.with(port: port) { connection in
                try await connection.request("GET", "/readyz")
                for await _ in entered { break }  // the request is being handled
                await group.triggerGracefulShutdown()
                let response = try #require(try await connection.readResponse())
                #expect(response.statusCode == 200)
                #expect(response.headers["connection"] == "close")
                #expect(await connection.isClosedByServer())
            }
            try await tasks.waitForAll()
        }
    }

    @Test("run() fails, and listeningPort() throws, when the port is taken")
    func portInUse() async throws {
        try await ServerHarness.withServer { port in
            let second = ObservabilityServer(
                configuration: .init(host: "127.0.0.1", port: port), registry: PrometheusCollectorRegistry()
            )
            await #expect(throws: (any Error).self) { try await second.run() }
            await #expect(throws: (any Error).self) { try await second.listeningPort() }
        }
    }

    /// A fresh connection still gets `/healthz`.
    private static func expectServing(port: Int) async throws {
        try await RawHTTPConnection.with(port: port) { connection in
            try await connection.request("GET", "/healthz")
            #expect(try await connection.readResponse()?.statusCode == 200)
        }
    }
}
