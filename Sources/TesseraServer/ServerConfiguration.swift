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
    /// How long a frame may take to arrive whole once its first byte has arrived; past it the connection gets a
    /// `go_away` and is closed, so a client cannot hold a partly received frame in the server's memory.
    /// Default: 10 s.
    public var frameCompleteTimeout: Duration
    /// The largest frame body accepted before a call on the connection has been authenticated, in bytes; a larger
    /// header gets a `go_away` and the connection is closed, before its body is read. Default: 16 KiB.
    public var unauthenticatedMaxFrameBytes: Int
    /// How long a connection may stay open before a call on it has been authenticated, counted from when it opened
    /// (frames and refused calls do not extend it); past it the connection gets a `go_away` (`idle`) and is closed.
    /// Default: 10 s.
    public var unauthenticatedIdleTimeout: Duration
    /// Connections served at once from one client IP address; a connection past it gets a `go_away` and is closed
    /// at once. Default: 64.
    public var maxConnectionsPerAddress: Int
    /// Calls one client IP address may have refused before authentication (`UNAUTHENTICATED`, or metadata out of
    /// bounds) per ``unauthenticatedFailureWindow``, as a token bucket of this capacity refilled over the window;
    /// the refusal past it is followed by a `go_away` and the connection is closed. Default: 20.
    public var maxUnauthenticatedFailuresPerAddress: Int
    /// The window over which ``maxUnauthenticatedFailuresPerAddress`` refills. Default: 60 s.
    public var unauthenticatedFailureWindow: Duration
    /// The bounds on a call's metadata, checked before authentication.
    public var metadataLimits: CallMetadataLimits
    /// How long a connection that was sent a `go_away` by a graceful shutdown, and has no call in flight, keeps
    /// answering late calls `UNAVAILABLE` after the last frame it received before it is closed (the client closing
    /// its side, or the grace period ending, closes it sooner). Default: 1 s.
    public var goAwayLinger: Duration
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
    ///   - frameCompleteTimeout: How long a frame may take to arrive once it has begun.
    ///   - unauthenticatedMaxFrameBytes: The frame size limit before a call has been authenticated.
    ///   - unauthenticatedIdleTimeout: How long a connection may stay open before a call has been authenticated.
    ///   - maxConnectionsPerAddress: The connection limit per client IP address.
    ///   - maxUnauthenticatedFailuresPerAddress: Calls refused before authentication per address and window.
    ///   - unauthenticatedFailureWindow: The window of that budget.
    ///   - metadataLimits: The bounds on a call's metadata.
    ///   - goAwayLinger: How long a draining connection keeps answering late calls after its last frame.
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
        frameCompleteTimeout: Duration = .seconds(10),
        unauthenticatedMaxFrameBytes: Int = 16 << 10,
        unauthenticatedIdleTimeout: Duration = .seconds(10),
        maxConnectionsPerAddress: Int = 64,
        maxUnauthenticatedFailuresPerAddress: Int = 20,
        unauthenticatedFailureWindow: Duration = .seconds(60),
        metadataLimits: CallMetadataLimits = CallMetadataLimits(),
        goAwayLinger: Duration = .seconds(1),
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
        self.frameCompleteTimeout = frameCompleteTimeout
        self.unauthenticatedMaxFrameBytes = unauthenticatedMaxFrameBytes
        self.unauthenticatedIdleTimeout = unauthenticatedIdleTimeout
        self.maxConnectionsPerAddress = maxConnectionsPerAddress
        self.maxUnauthenticatedFailuresPerAddress = maxUnauthenticatedFailuresPerAddress
        self.unauthenticatedFailureWindow = unauthenticatedFailureWindow
        self.metadataLimits = metadataLimits
        self.goAwayLinger = goAwayLinger
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
