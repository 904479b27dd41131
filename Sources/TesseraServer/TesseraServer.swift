import Logging
import Metrics
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Synchronization
import TesseraCrypto
import TesseraObservability
import TesseraWire

/// The Tessera RPC server: a swift-service-lifecycle `Service` that listens on TCP (optionally TLS 1.3), frames
/// `tessera.wire.v1.Frame`s and serves calls through a ``CallRouter``.
///
/// ```swift
/// let server = TesseraServer(configuration: .init(port: 0), router: services.router(), callers: registry,
///                            logger: logger)
/// let group = ServiceGroup(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
/// try await group.run()
/// ```
///
/// Each connection runs in its own child task of a discarding task group, and each call in its own child task of
/// the connection's group, so calls are multiplexed and answered in any order. The NIO pipeline frames bytes
/// (`FrameDecoder`, `FrameEncoder`, and `NIOSSLServerHandler` first when TLS is on) and answers the calls of a few
/// microseconds (``EventLoopResponder``: `Health/Check`, so that it never waits behind queued work, and single seals
/// and opens, which cost less than the hop to async code); everything else is async code.
/// Replies go through the channel's async writer, so a client that does not read stalls its own connection's
/// writes (and, through the in-flight limit, its calls) instead of making the server buffer without bound.
///
/// A call goes through, in order: the in-flight limit (`RESOURCE_EXHAUSTED`), authentication
/// (`UNAUTHENTICATED`), the method table (`UNIMPLEMENTED`, only after authentication so the table is not revealed
/// to strangers), the caller's allow list (`PERMISSION_DENIED`), its rate limit (`RESOURCE_EXHAUSTED`), then the
/// method, raced against its deadline (`DEADLINE_EXCEEDED`) and the client's `cancel` (`CANCELLED`).
///
/// On graceful shutdown (SIGTERM/SIGINT through the `ServiceGroup`, or ``shutdownGracefully()``) the server stops
/// accepting, sends every connection a `go_away` with the last call id it received, lets the calls in flight
/// finish for up to ``ServerConfiguration/shutdownGracePeriod``, closes the connections and returns from
/// ``run()``.
public final class TesseraServer: Service, Sendable, CustomStringConvertible {
    /// The configuration the server was made with.
    public let configuration: ServerConfiguration

    let router: CallRouter
    let callers: CallerRegistry
    let logger: Logger
    let eventLoopGroup: MultiThreadedEventLoopGroup
    /// The event loops of the accepted connections: `eventLoopGroup` but in tests.
    let connectionEventLoopGroup: MultiThreadedEventLoopGroup
    let metrics: ServiceMetrics
    let hasher: PasswordHasher?
    /// The hasher's rejection count at the last look, so each new rejection is recorded once.
    private let argon2RejectedSeen = Mutex(0)
    /// Each client address's budget of calls refused before authentication.
    let unauthenticatedThrottle: AddressThrottle
    /// The bytes of incomplete frames held across all connections.
    let bufferedFrameBytes = BufferedFrameBytes()

    private struct State {
        var address: SocketAddress?
        var failure: (any Error)?
        var addressWaiters: [CheckedContinuation<SocketAddress, any Error>] = []
        var serverChannel: (any Channel)?
        var connections: [Int: ConnectionControl] = [:]
        /// Connections served per client IP address, for ``ServerConfiguration/maxConnectionsPerAddress``; an
        /// address leaves the table with its last connection.
        var connectionsPerAddress: [String: Int] = [:]
        /// When the graceful shutdown's grace period ends, once it has begun.
        var drainDeadline: ContinuousClock.Instant?
        var nextConnectionID = 1
        var isDraining = false
        var hasRun = false
        /// Connections set up by the bootstrap and not yet taken by the accept loop, with their state. NIO drops
        /// what its accept stream still buffers when the loop's task is cancelled; holding them here lets ``run()``
        /// close them.
        var pendingConnections: [ObjectIdentifier: (connection: Connection, control: ConnectionControl)] = [:]
        /// Set once ``run()`` has closed the pending connections: later ones are refused by the bootstrap.
        var isStopped = false
    }

    /// A connection as the bootstrap hands it to the accept loop.
    typealias Connection = NIOAsyncChannel<Tessera_Wire_V1_Frame, Tessera_Wire_V1_Frame>

    private let state = Mutex(State())

    /// Creates a server; nothing happens until ``run()``.
    ///
    /// - Parameters:
    ///   - configuration: Address, limits and TLS.
    ///   - router: The methods served (for example ``StatelessServices/router()``).
    ///   - callers: Who may call what.
    ///   - hasher: The password hasher, whose queue depth and rejections are reported as metrics; optional.
    ///   - logger: The logger for the server's events and the one line per call.
    ///   - metricsFactory: Where metrics go (through a `ServiceMetrics` for the methods of the ``MethodCatalog``);
    ///     `nil` (the default) uses the process-wide `MetricsSystem.factory`, which `tessera serve` bootstraps
    ///     with `MetricsBootstrap.bootstrapGlobally()`.
    ///   - eventLoopGroup: The event loops for the sockets; the process-wide singleton by default.
    public convenience init(
        configuration: ServerConfiguration,
        router: CallRouter,
        callers: CallerRegistry,
        hasher: PasswordHasher? = nil,
        logger: Logger,
        metricsFactory: (any MetricsFactory)? = nil,
        eventLoopGroup: MultiThreadedEventLoopGroup = .singleton
    ) {
        self.init(
            configuration: configuration, router: router, callers: callers, hasher: hasher, logger: logger,
            metricsFactory: metricsFactory, eventLoopGroup: eventLoopGroup, connectionEventLoopGroup: eventLoopGroup
        )
    }

    /// Creates a server whose connections run on their own event loops, apart from the listener's (tests hold
    /// those loops busy to stop connections halfway through being set up).
    init(
        configuration: ServerConfiguration,
        router: CallRouter,
        callers: CallerRegistry,
        hasher: PasswordHasher?,
        logger: Logger,
        metricsFactory: (any MetricsFactory)?,
        eventLoopGroup: MultiThreadedEventLoopGroup,
        connectionEventLoopGroup: MultiThreadedEventLoopGroup
    ) {
        self.connectionEventLoopGroup = connectionEventLoopGroup
        self.metrics = ServiceMetrics(
            methods: MethodCatalog.all.map(\.name),
            factory: metricsFactory ?? MetricsSystem.factory
        )
        self.configuration = configuration
        self.unauthenticatedThrottle = AddressThrottle(
            capacity: configuration.maxUnauthenticatedFailuresPerAddress,
            window: configuration.unauthenticatedFailureWindow
        )
        self.router = router
        self.callers = callers
        self.hasher = hasher
        self.logger = logger
        self.eventLoopGroup = eventLoopGroup
    }

    /// The address the server listens on, once it is bound (waits until then).
    ///
    /// With port 0 this is how to learn the port the system chose.
    ///
    /// - Returns: The bound address.
    /// - Throws: The error that stopped the server from binding, or ``TesseraServerError`` when it stopped first.
    public func listeningAddress() async throws -> SocketAddress {
        try await withCheckedThrowingContinuation { continuation in
            let result: Result<SocketAddress, any Error>? = state.withLock { state in
                if let address = state.address { return .success(address) }
                if let failure = state.failure { return .failure(failure) }
                state.addressWaiters.append(continuation)
                return nil
            }
            if let result {
                continuation.resume(with: result)
            }
        }
    }

    /// The configured address, for service-lifecycle logs.
    public var description: String { "TesseraServer(\(configuration.host):\(configuration.port))" }

    /// The number of connections being served.
    public var connectionCount: Int { state.withLock { $0.connections.count } }

    /// Starts a graceful shutdown: stop accepting, `go_away` to every connection, let calls finish within the
    /// grace period; ``run()`` returns when it is done. Calling it again does nothing more.
    public func shutdownGracefully() {
        let channel = state.withLock { state -> (any Channel)? in
            state.isDraining = true
            if state.drainDeadline == nil {
                state.drainDeadline = .now + configuration.shutdownGracePeriod
            }
            return state.serverChannel
        }
        channel?.close(promise: nil)
    }

    /// Whether a graceful shutdown has begun.
    var isDraining: Bool { state.withLock { $0.isDraining } }

    /// When the graceful shutdown's grace period ends (the grace period from now, when none has begun).
    var drainDeadline: ContinuousClock.Instant {
        state.withLock { $0.drainDeadline } ?? .now + configuration.shutdownGracePeriod
    }

    /// Whether the server takes new calls: it is listening and no graceful shutdown has begun. Cheap (one lock),
    /// so it can answer every readiness probe (`/readyz`).
    public var isAcceptingCalls: Bool {
        state.withLock { state in
            state.serverChannel != nil && state.address != nil && !state.isDraining
        }
    }

    /// Records the Argon2 queue depth, and the hasher's rejections since the last look, each once.
    func observeArgon2(_ hasher: PasswordHasher) {
        metrics.argon2QueueDepth(hasher.queueDepth)
        let rejected = hasher.rejectedCount
        let delta = argon2RejectedSeen.withLock { seen in
            defer { seen = max(seen, rejected) }
            return max(0, rejected - seen)
        }
        metrics.argon2Rejected(count: delta)
    }

    /// Binds, serves connections until a graceful shutdown or cancellation, then drains them and returns.
    ///
    /// - Throws: The error of loading the TLS material or binding the address; ``TesseraServerError`` when run twice.
    public func run() async throws {
        let alreadyRan = state.withLock { state in
            defer { state.hasRun = true }
            return state.hasRun
        }
        guard !alreadyRan else {
            throw TesseraServerError("a TesseraServer can run only once")
        }
        if Task.isCancelled {
            // Cancelled before it started: do not bind at all.
            _ = stopAcceptingPending()
            failListening(TesseraServerError("the server was cancelled before it listened"))
            logger.info("stopped")
            return
        }
        let serverChannel: NIOAsyncChannel<Connection, Never>
        do {
            serverChannel = try await bind()
        } catch {
            failListening(error)
            throw error
        }
        let address = serverChannel.channel.localAddress
        let closeNow = state.withLock { state -> Bool in
            state.serverChannel = serverChannel.channel
            state.address = address
            return state.isDraining
        }
        if let address {
            resumeAddressWaiters(.success(address))
            logger.info(
                "listening",
                metadata: ["address": "\(address)", "tls": "\(configuration.tls != nil)"]
            )
        }
        if closeNow {
            serverChannel.channel.close(promise: nil)
        }

        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                do {
                    try await serverChannel.executeThenClose { inbound in
                        for try await connection in inbound {
                            let control: ConnectionControl
                            switch admitConnection(takePending(connection)) {
                            case .admitted(let admitted):
                                control = admitted
                            case .refused(let reason):
                                metrics.connectionRejected()
                                group.addTask { await self.refuse(connection, reason: reason) }
                                continue
                            }
                            group.addTask {
                                await self.serveConnection(connection, control: control)
                                self.releaseConnection(control)
                            }
                        }
                    }
                } catch {
                    logger.debug("accept loop ended", metadata: ["error": "\(error)"])
                }
                // No new connections from here on: drain those we have.
                let controls = state.withLock { state in
                    state.isDraining = true
                    if state.drainDeadline == nil {
                        state.drainDeadline = .now + configuration.shutdownGracePeriod
                    }
                    return Array(state.connections.values)
                }
                for control in controls {
                    group.addTask { await self.drain(control) }
                }
            }
        } onGracefulShutdown: {
            self.shutdownGracefully()
        }
        await closePendingConnections()
        failListening(TesseraServerError("the server has stopped"))
        logger.info("stopped")
    }

    private func bind() async throws -> NIOAsyncChannel<Connection, Never> {
        let sslContext = try configuration.tls?.makeContext()
        let maxFrameBytes = configuration.maxFrameBytes
        let unauthenticatedMaxFrameBytes = configuration.unauthenticatedMaxFrameBytes
        let frameCompleteTimeout = configuration.frameCompleteTimeout
        let bufferedFrameBytes = self.bufferedFrameBytes
        return try await ServerBootstrap(group: eventLoopGroup, childGroup: connectionEventLoopGroup)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .bind(host: configuration.host, port: configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let sslContext {
                        try pipeline.addHandler(NIOSSLServerHandler(context: sslContext))
                    }
                    let control = self.makeControl(address: channel.remoteAddress?.ipAddress)
                    try pipeline.addHandler(
                        InboundFrameGuard(
                            control: control,
                            unauthenticatedMaxFrameBytes: unauthenticatedMaxFrameBytes,
                            frameCompleteTimeout: frameCompleteTimeout,
                            gauge: bufferedFrameBytes
                        )
                    )
                    try pipeline.addHandler(
                        ByteToMessageHandler(
                            FrameDecoder(direction: .clientToServer, maximumFrameBytes: maxFrameBytes)
                        )
                    )
                    try pipeline.addHandler(MessageToByteHandler(FrameEncoder(maximumFrameBytes: maxFrameBytes)))
                    try pipeline.addHandler(
                        EventLoopResponder(server: self, control: control, logger: self.logger(for: control)))
                    return try self.holdPending(channel, control: control)
                }
            }
    }

    /// Wraps a new connection and holds it until the accept loop takes it, so that one NIO drops from its accept
    /// stream (when the loop's task is cancelled, or the stream has ended) is still closed, by
    /// ``closePendingConnections()``. Once the server has stopped, closes the channel instead.
    ///
    /// Runs on the channel's event loop, before NIO registers the channel. The wrapper is made under the lock, so no
    /// connection slips between the last sweep and its creation. Both halves matter: NIO neither closes a channel
    /// whose initializer failed (it stays open, unregistered, and its client waits forever) nor one whose wrapper it
    /// drops (and a wrapper dropped unfinished is a precondition failure).
    private func holdPending(_ channel: any Channel, control: ConnectionControl) throws -> Connection {
        let connection = try state.withLock { state -> Connection? in
            guard !state.isStopped else { return nil }
            let connection = try Connection(wrappingChannelSynchronously: channel)
            state.pendingConnections[ObjectIdentifier(channel)] = (connection, control)
            return connection
        }
        guard let connection else {
            channel.close(promise: nil)
            throw TesseraServerError("the server has stopped")
        }
        return connection
    }

    /// Notes that the accept loop has taken a connection: from here on, serving or refusing it closes it.
    ///
    /// - Returns: The connection's state, made with it by the bootstrap.
    private func takePending(_ connection: Connection) -> ConnectionControl? {
        state.withLock { $0.pendingConnections.removeValue(forKey: ObjectIdentifier(connection.channel))?.control }
    }

    /// The state of a new connection, with the next connection number and the client's IP address.
    private func makeControl(address: String?) -> ConnectionControl {
        state.withLock { state in
            defer { state.nextConnectionID += 1 }
            return ConnectionControl(id: state.nextConnectionID, address: address)
        }
    }

    /// The server's logger with the connection's number as metadata.
    func logger(for control: ConnectionControl) -> Logger {
        var logger = self.logger
        logger[metadataKey: "connection"] = "\(control.id)"
        return logger
    }

    /// Stops taking connections and returns those the accept loop never received.
    @discardableResult
    private func stopAcceptingPending() -> [(connection: Connection, control: ConnectionControl)] {
        state.withLock { state in
            state.isStopped = true
            defer { state.pendingConnections = [:] }
            return Array(state.pendingConnections.values)
        }
    }

    /// Closes the connections that were accepted but never reached the accept loop (the accept stream ended, or the
    /// loop was cancelled, while NIO still buffered them), and makes the bootstrap refuse any that is still being set
    /// up. After a graceful shutdown each gets what a connection accepted during the drain gets (a `go_away`, then
    /// `UNAVAILABLE` for the calls it sent, until it closes or the linger ends); after a cancellation they are closed
    /// at once.
    private func closePendingConnections() async {
        let leftovers = stopAcceptingPending()
        guard !leftovers.isEmpty else { return }
        let graceful = isDraining && !Task.isCancelled
        logger.debug(
            "closing connections accepted after the server stopped",
            metadata: ["count": "\(leftovers.count)", "graceful": "\(graceful)"]
        )
        await withDiscardingTaskGroup { group in
            for (connection, control) in leftovers {
                group.addTask {
                    if graceful {
                        await self.serveConnection(connection, control: control)
                    } else {
                        try? await connection.executeThenClose { _, _ in }
                    }
                }
            }
        }
    }

    /// What ``admitConnection(_:)`` decided about a connection taken by the accept loop.
    private enum ConnectionAdmission {
        /// Served (during a graceful shutdown too: it gets its `go_away` from its read loop).
        case admitted(ConnectionControl)
        /// Refused with this `go_away` reason.
        case refused(String)
    }

    /// Counts a connection taken by the accept loop among those served, or says why it must be refused: past the
    /// connection limit, past its address's limit, or without the state the bootstrap made for it.
    private func admitConnection(_ control: ConnectionControl?) -> ConnectionAdmission {
        let admission = state.withLock { state -> ConnectionAdmission in
            guard let control else {
                return .refused(state.isDraining ? "server shutting down" : "connection could not be set up")
            }
            guard state.connections.count < configuration.maxConnections else {
                return .refused(state.isDraining ? "server shutting down" : "too many connections")
            }
            if let address = control.address {
                let count = state.connectionsPerAddress[address, default: 0]
                guard count < configuration.maxConnectionsPerAddress else {
                    return .refused(
                        state.isDraining ? "server shutting down" : "too many connections from this address")
                }
                state.connectionsPerAddress[address] = count + 1
            }
            state.connections[control.id] = control
            return .admitted(control)
        }
        switch admission {
        case .admitted:
            metrics.connectionOpened()
        case .refused("too many connections"):
            logger.warning(
                "connection refused: too many connections", metadata: ["limit": "\(configuration.maxConnections)"])
        case .refused("too many connections from this address"):
            // An address at its limit is one client's problem (or an attack): not worth a line per attempt.
            logger.debug(
                "connection refused: too many connections from its address",
                metadata: ["limit": "\(configuration.maxConnectionsPerAddress)"]
            )
        case .refused:
            break
        }
        return admission
    }

    private func releaseConnection(_ control: ConnectionControl) {
        state.withLock { state in
            _ = state.connections.removeValue(forKey: control.id)
            if let address = control.address, let count = state.connectionsPerAddress[address] {
                state.connectionsPerAddress[address] = count > 1 ? count - 1 : nil
            }
        }
        metrics.connectionClosed()
    }

    /// The connections set up by the bootstrap and not yet taken by the accept loop (for tests).
    var pendingConnectionCount: Int { state.withLock { $0.pendingConnections.count } }

    /// The connections served from a client address now (for tests).
    func connectionCount(from address: String) -> Int {
        state.withLock { $0.connectionsPerAddress[address, default: 0] }
    }

    /// Closes a connection that cannot be served, with a `go_away` saying why (past a connection limit).
    private func refuse(_ connection: Connection, reason: String) async {
        try? await connection.executeThenClose { _, outbound in
            try await outbound.write(Self.goAway(reason: reason, lastCallID: 0))
        }
    }

    private func failListening(_ error: any Error) {
        let waiters = state.withLock { state -> [CheckedContinuation<SocketAddress, any Error>] in
            if state.address == nil, state.failure == nil {
                state.failure = error
            }
            defer { state.addressWaiters = [] }
            return state.addressWaiters
        }
        for waiter in waiters {
            waiter.resume(throwing: error)
        }
    }

    private func resumeAddressWaiters(_ result: Result<SocketAddress, any Error>) {
        let waiters = state.withLock { state in
            defer { state.addressWaiters = [] }
            return state.addressWaiters
        }
        for waiter in waiters {
            waiter.resume(with: result)
        }
    }

    /// A `go_away` frame.
    static func goAway(reason: String, lastCallID: UInt64) -> Tessera_Wire_V1_Frame {
        var goAway = Tessera_Wire_V1_GoAway()
        goAway.reason = reason
        goAway.lastCallID = lastCallID
        var frame = Tessera_Wire_V1_Frame()
        frame.kind = .goAway(goAway)
        return frame
    }
}
