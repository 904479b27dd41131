/// How a ``TesseraServer`` listens and which limits it enforces.
///
/// Every tunable has a documented default; `tessera serve` maps its JSON file, flags and `TESSERA_*` environment
/// variables onto this struct (see `docs/server.md`).
public struct ServerConfiguration: Sendable {
    /// The address to bind, for example `127.0.0.1` or `0.0.0.0`. Default: `127.0.0.1`.
    public var host: String
    /// The TCP port; 0 picks a free port (see ``TesseraServer/listeningAddress()``). Default: 7450.
    public var port: Int
    /// The largest frame body accepted from a client, and written to one, in bytes. Default: 1 MiB.
    public var maxFrameBytes: Int
    /// Connections served at once; a connection past it gets a `go_away` and is closed at once. Default: 1024.
    public var maxConnections: Int
    /// Calls in flight on one connection; a call past it is answered `RESOURCE_EXHAUSTED`. Default: 128.
    public var maxCallsInFlightPerConnection: Int
    /// The deadline of a call whose `timeout_ms` is 0. Default: 10 s.
    public var defaultTimeout: Duration
    /// The longest deadline granted; larger `timeout_ms` values are lowered to it. Default: 60 s.
    public var maxTimeout: Duration
    /// How long a connection with no call in flight and no frame received stays open before it gets a
    /// `go_away` and is closed. Default: 300 s.
    public var idleTimeout: Duration
    /// How long one write may wait for a client that does not read its replies before the connection is closed
    /// (backpressure stalls a connection; this bounds how long). Default: 30 s.
    public var writeTimeout: Duration
    /// How long calls in flight may run after a graceful shutdown began before their connections are closed.
    /// Default: 10 s.
    public var shutdownGracePeriod: Duration
    /// The most items in one `SealBatch` or `OpenBatch` call; more fail the call with `INVALID_ARGUMENT`.
    /// Default: 1000.
    public var maxBatchItems: Int
    /// TLS, or `nil` (the default) for plain TCP.
    public var tls: ServerTLSConfiguration?

    /// Creates a configuration; every parameter has the documented default.
    ///
    /// - Parameters:
    ///   - host: The address to bind.
    ///   - port: The TCP port, 0 for any free port.
    ///   - maxFrameBytes: The frame size limit in bytes.
    ///   - maxConnections: The connection limit.
    ///   - maxCallsInFlightPerConnection: The limit on calls in flight per connection.
    ///   - defaultTimeout: The deadline of calls with `timeout_ms` 0.
    ///   - maxTimeout: The largest deadline granted.
    ///   - idleTimeout: How long an idle connection stays open.
    ///   - writeTimeout: How long a write may wait for a client that does not read.
    ///   - shutdownGracePeriod: How long calls in flight may finish during a graceful shutdown.
    ///   - maxBatchItems: The item limit of batch calls.
    ///   - tls: TLS settings, or `nil` for plain TCP.
    public init(
        host: String = "127.0.0.1",
        port: Int = 7450,
        maxFrameBytes: Int = 1 << 20,
        maxConnections: Int = 1024,
        maxCallsInFlightPerConnection: Int = 128,
        defaultTimeout: Duration = .seconds(10),
        maxTimeout: Duration = .seconds(60),
        idleTimeout: Duration = .seconds(300),
        writeTimeout: Duration = .seconds(30),
        shutdownGracePeriod: Duration = .seconds(10),
        maxBatchItems: Int = 1000,
        tls: ServerTLSConfiguration? = nil
    ) {
        self.host = host
        self.port = port
        self.maxFrameBytes = maxFrameBytes
        self.maxConnections = maxConnections
        self.maxCallsInFlightPerConnection = maxCallsInFlightPerConnection
        self.defaultTimeout = defaultTimeout
        self.maxTimeout = maxTimeout
        self.idleTimeout = idleTimeout
        self.writeTimeout = writeTimeout
        self.shutdownGracePeriod = shutdownGracePeriod
        self.maxBatchItems = maxBatchItems
        self.tls = tls
    }

    /// The deadline granted to a call that asked for `timeoutMilliseconds` (0 = the default), capped at
    /// ``maxTimeout``.
    ///
    /// - Parameter timeoutMilliseconds: `Call.timeout_ms`.
    /// - Returns: The time the call may run.
    public func timeout(forRequested timeoutMilliseconds: UInt32) -> Duration {
        let requested = timeoutMilliseconds == 0 ? defaultTimeout : .milliseconds(Int64(timeoutMilliseconds))
        return min(requested, maxTimeout)
    }
}
