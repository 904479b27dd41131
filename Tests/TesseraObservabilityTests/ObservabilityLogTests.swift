import Logging
import TesseraObservability
import TesseraTestSupport
import Testing

/// DESIGN.md: no secret ever appears in a log line. The endpoint never logs what a client sends; this proves it
/// with every kind of request, well-formed or not, carrying a marker at trace level.
@Suite("ObservabilityServer logs")
struct ObservabilityLogTests {
    private static let marker = "SECRET-7f3a9c-DO-NOT-LOG"

    @Test("requests, headers, bodies and garbage never reach the logs")
    func noRequestContentInLogs() async throws {
        let store = CapturingLogHandler.Store()
        var logger = Logger(label: "test.observability") { _ in CapturingLogHandler(store: store) }
        logger.logLevel = .trace
        let marker = Self.marker
        let requests = [
            "GET /metrics?token=\(marker) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(marker)\r\n\r\n",
            "GET /\(marker) HTTP/1.1\r\nHost: x\r\n\r\n",
            "POST /readyz HTTP/1.1\r\nHost: x\r\nContent-Length: \(marker.utf8.count)\r\n\r\n\(marker)",
            "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: \(String(repeating: marker, count: 1000))\r\n\r\n",
            "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n\(String(repeating: marker, count: 200))",
            "\(marker) \(marker)\r\n\r\n",
            "GET /healthz HTTP/1.1\r\n\(marker)\r\n\r\n",
        ]
        // The idle timeout ends the keep-alive connections below; it runs from the connection's start, so it is long
        // enough for a loaded machine to write each request before the server gives up on it.
        try await ServerHarness.withServer(configure: { $0.idleTimeout = .seconds(2) }, logger: logger) { port in
            for request in requests {
                try await RawHTTPConnection.with(port: port) { connection in
                    do {
                        try await connection.send(request)
                        _ = try await connection.readResponse()
                    } catch {
                        // The server may close an oversized or garbage request before all of it is written or
                        // answered; what matters here is what it logged, checked below.
                    }
                    _ = await connection.isClosedByServer()  // the idle timeout ends the keep-alive ones
                }
            }
        }
        let lines = store.all
        #expect(lines.contains { $0.contains("observability endpoint listening") }, "the handler did capture")
        #expect(lines.contains { $0.contains("observability connection ended with an error") }, "errors logged")
        for line in lines {
            #expect(!line.contains(marker), "a log line quotes the request: \(line.prefix(200))")
        }
    }
}
