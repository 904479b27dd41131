import NIOHTTP1
import Prometheus

/// Maps a request line to a response: a method other than `GET`/`HEAD` gets 405; `/metrics`, `/healthz` and
/// `/readyz` are served; any other path gets 404.
///
/// It sees only the method and the path, never headers or a body, so nothing a client sends can reach a
/// response, a log line or a label.
struct ObservabilityRouter: Sendable {
    /// The registry `/metrics` serves.
    let registry: PrometheusCollectorRegistry
    /// Whether `/readyz` answers 200.
    let readiness: @Sendable () async -> Bool

    /// Builds the response to a request.
    ///
    /// - Parameters:
    ///   - method: The request method.
    ///   - uri: The request target; a query string is ignored.
    /// - Returns: The response to send (its body is dropped for `HEAD` by the caller).
    func respond(method: HTTPMethod, uri: String) async -> ObservabilityResponse {
        guard method == .GET || method == .HEAD else {
            var response = ObservabilityResponse.text(.methodNotAllowed, "method not allowed")
            response.extraHeaders = [("Allow", "GET, HEAD")]
            return response
        }
        let path = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard Self.paths.contains(String(path)) else {
            return .text(.notFound, "not found")
        }
        switch path {
        case "/metrics":
            var body: [UInt8] = []
            self.registry.emit(into: &body)
            return ObservabilityResponse(
                status: .ok, contentType: ObservabilityResponse.prometheusContentType, body: body
            )
        case "/healthz":
            return .text(.ok, "ok")
        default:
            return await self.readiness() ? .text(.ok, "ready") : .text(.serviceUnavailable, "not ready")
        }
    }

    /// The paths served.
    private static let paths: Set<String> = ["/metrics", "/healthz", "/readyz"]
}
