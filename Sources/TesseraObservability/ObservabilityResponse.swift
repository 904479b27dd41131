import NIOHTTP1

/// One response of the observability endpoint, built in memory before anything is written.
struct ObservabilityResponse: Sendable {
    /// The HTTP status.
    var status: HTTPResponseStatus
    /// The `Content-Type` header.
    var contentType: String
    /// The body bytes (sent for `GET`, only counted in `Content-Length` for `HEAD`).
    var body: [UInt8]
    /// Extra headers, e.g. `Allow` on a 405.
    var extraHeaders: [(String, String)] = []

    /// The Prometheus text exposition format's content type.
    static let prometheusContentType = "text/plain; version=0.0.4; charset=utf-8"
    /// Plain text for the probes and errors.
    static let textContentType = "text/plain; charset=utf-8"

    /// A short plain-text response whose body is `text` and a newline.
    static func text(_ status: HTTPResponseStatus, _ text: String) -> ObservabilityResponse {
        ObservabilityResponse(status: status, contentType: Self.textContentType, body: Array((text + "\n").utf8))
    }
}
