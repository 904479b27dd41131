extension ObservabilityServer {
    /// Where the observability endpoint listens and the limits it enforces.
    ///
    /// The endpoint is for scrapers and orchestrator probes on a private network, so it binds to loopback by
    /// default and keeps every limit small: requests are tiny `GET`s and responses are generated in memory.
    public struct Configuration: Sendable {
        /// The address to bind; default `127.0.0.1`. Bind a private interface explicitly to expose it.
        public var host: String
        /// The port to bind; default 9450. 0 picks a free port (tests), see
        /// ``ObservabilityServer/listeningPort()``.
        public var port: Int
        /// The largest request head accepted (request line plus headers); larger is refused with 431 and the
        /// connection closed. Default 8 KiB.
        public var maxRequestHeadBytes: Int
        /// The largest request body accepted (no endpoint reads one); larger is refused with 413 and the
        /// connection closed. Default 1 KiB.
        public var maxRequestBodyBytes: Int
        /// A connection that sends nothing for this long is closed. Default 30 s.
        public var idleTimeout: Duration
        /// Connections served at once; further connections are closed as soon as they are accepted. Default 32.
        public var maxConnections: Int

        /// Creates a configuration.
        ///
        /// - Parameters:
        ///   - host: The address to bind.
        ///   - port: The port to bind, 0 for any free port.
        public init(host: String = "127.0.0.1", port: Int = 9450) {
            self.host = host
            self.port = port
            self.maxRequestHeadBytes = 8 * 1024
            self.maxRequestBodyBytes = 1024
            self.idleTimeout = .seconds(30)
            self.maxConnections = 32
        }
    }
}
