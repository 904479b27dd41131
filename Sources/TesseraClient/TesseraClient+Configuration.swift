import TesseraWire

extension TesseraClient {
    /// Where the server is, how to authenticate, and the client's limits.
    ///
    /// Required values are in the initializer; every other property has a documented default and may be changed
    /// before the configuration is given to ``TesseraClient/init(configuration:eventLoopGroup:logger:)``.
    public struct Configuration: Sendable {
        /// The port Tessera listens on by default, 7450, used by the server, the client and the CLI alike.
        public static let defaultPort = 7450

        /// The server's host name or IP address.
        public var host: String

        /// The server's TCP port; ``defaultPort`` (7450) by default.
        public var port: Int

        /// The caller credential sent with every call, or `nil` to send none (the server then answers
        /// `UNAUTHENTICATED` to methods that need one). It is never printed.
        public var credential: Credential?

        /// Plain TCP (the default) or TLS 1.3, with or without a client certificate.
        public var tls: TLS = .disabled

        /// How many connections the pool opens to the server; 2 by default, at least 1. Each connection carries
        /// any number of calls at once; calls go to the least loaded open connection.
        public var connections: Int = 2

        /// The deadline of a call that gives none; 10 seconds by default. It covers connecting, retries and the
        /// wait for the reply, and is sent to the server as `timeout_ms`.
        public var defaultTimeout: Duration = .seconds(10)

        /// How long opening one connection (TCP and TLS handshake) may take; 5 seconds by default.
        public var connectTimeout: Duration = .seconds(5)

        /// The largest frame the client sends or accepts, in bytes; 1 MiB by default, the server's default
        /// `max_frame_bytes`. A reply larger than this closes the connection.
        public var maxFrameBytes: Int = FrameDecoder.defaultMaximumFrameBytes

        /// How many times a failed call may be sent again; 2 by default (so at most 3 attempts), 0 disables
        /// retries. Only failures where retrying is harmless are retried (see ``TesseraClient``).
        public var maxRetries: Int = 2

        /// The first pause before reconnecting after a failed connection attempt, doubled after each further
        /// failure up to ``maximumReconnectBackoff``; 100 ms by default.
        public var reconnectBackoff: Duration = .milliseconds(100)

        /// The longest pause between two connection attempts; 5 seconds by default.
        public var maximumReconnectBackoff: Duration = .seconds(5)

        /// Creates a configuration.
        ///
        /// - Parameters:
        ///   - host: The server's host name or IP address; `127.0.0.1` by default.
        ///   - port: The server's port; 7450 by default.
        ///   - credential: The caller credential, or `nil` for none.
        public init(host: String = "127.0.0.1", port: Int = Configuration.defaultPort, credential: Credential?) {
            self.host = host
            self.port = port
            self.credential = credential
        }
    }
}
