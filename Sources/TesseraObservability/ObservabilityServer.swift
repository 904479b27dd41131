import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus
import ServiceLifecycle

/// A small HTTP/1.1 server, run as a swift-service-lifecycle `Service`, that exposes the process's metrics and
/// probes on a port of its own.
///
/// - `GET /metrics`: the registry in the Prometheus text exposition format (`text/plain; version=0.0.4`).
/// - `GET /healthz`: 200 `ok` while the process runs (liveness).
/// - `GET /readyz`: 200 when the readiness closure says ready, else 503 (readiness).
/// - Any other path: 404; a method other than `GET` or `HEAD`: 405.
///
/// Requests are bounded (head and body sizes, an idle timeout, a connection limit; see ``Configuration``),
/// keep-alive is honoured, and on graceful shutdown the server stops accepting, finishes the response in
/// progress on each connection and closes it. Nothing a client sends is logged: only the path is routed on.
public final class ObservabilityServer: Service, Sendable {
    /// Where the server listens and its limits.
    public let configuration: Configuration
    let router: ObservabilityRouter
    let logger: Logger
    private let eventLoopGroup: any EventLoopGroup
    private let listening = NIOLockedValueBox(ListeningState.notStarted(waiters: []))

    /// The bound address, published once ``run()`` has bound its socket.
    private enum ListeningState {
        case notStarted(waiters: [CheckedContinuation<Int, any Error>])
        case listening(port: Int)
        case failed(any Error)
    }

    /// The error ``listeningPort()`` throws when ``run()`` ended before it could bind.
    private struct NotListening: Error, CustomStringConvertible {
        var description: String { "the observability server is not listening" }
    }

    /// Creates the server; nothing is bound until ``run()``.
    ///
    /// - Parameters:
    ///   - configuration: Host, port and limits.
    ///   - registry: The registry `/metrics` serves (``MetricsBootstrap/bootstrapGlobally()``'s in production).
    ///   - logger: For lifecycle events (listening, stopped) and connection errors by type only.
    ///   - eventLoopGroup: The NIO event loops to run on; the process-wide singleton by default.
    ///   - readiness: Whether the process is ready for traffic (e.g. RPC listener bound, store reachable); asked
    ///     on every `/readyz`, so it must be cheap.
    public init(
        configuration: Configuration = Configuration(),
        registry: PrometheusCollectorRegistry,
        logger: Logger = Logger(label: "tessera.observability"),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        readiness: @escaping @Sendable () async -> Bool = { true }
    ) {
        self.configuration = configuration
        self.router = ObservabilityRouter(registry: registry, readiness: readiness)
        self.logger = logger
        self.eventLoopGroup = eventLoopGroup
    }

    /// Waits until ``run()`` has bound its socket and returns the port (useful with port 0).
    ///
    /// Call it while ``run()`` is starting or running; it waits for as long as ``run()`` has not been called.
    ///
    /// - Returns: The bound port.
    /// - Throws: When ``run()`` failed to bind, or has already returned.
    public func listeningPort() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            let result: Result<Int, any Error>? = self.listening.withLockedValue { state in
                switch state {
                case .notStarted(var waiters):
                    waiters.append(continuation)
                    state = .notStarted(waiters: waiters)
                    return nil
                case .listening(let port):
                    return .success(port)
                case .failed(let error):
                    return .failure(error)
                }
            }
            if let result {
                continuation.resume(with: result)
            }
        }
    }

    /// Binds the socket and serves until graceful shutdown or cancellation.
    ///
    /// On graceful shutdown the listening socket closes at once; each connection finishes the response it is
    /// writing (with `Connection: close`) and closes; idle connections close immediately. `run()` returns when
    /// every connection has closed.
    ///
    /// - Throws: When the address cannot be bound.
    public func run() async throws {
        let serverChannel: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>
        do {
            serverChannel = try await self.bind()
        } catch {
            self.publish(.failure(error))
            throw error
        }
        let port = serverChannel.channel.localAddress?.port ?? self.configuration.port
        self.publish(.success(port))
        self.logger.info(
            "observability endpoint listening",
            metadata: ["host": "\(self.configuration.host)", "port": "\(port)"]
        )

        let openConnections = NIOLockedValueBox(0)
        let maxConnections = self.configuration.maxConnections
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await serverChannel.executeThenClose { inbound in
                    for try await connection in inbound {
                        let admitted = openConnections.withLockedValue { open in
                            guard open < maxConnections else { return false }
                            open += 1
                            return true
                        }
                        guard admitted else {
                            self.logger.debug("observability connection refused: connection limit reached")
                            // Through executeThenClose, which finishes the writer NIO requires finished.
                            group.addTask {
                                try? await connection.executeThenClose { _, _ in }
                            }
                            continue
                        }
                        group.addTask {
                            await self.serve(connection)
                            openConnections.withLockedValue { $0 -= 1 }
                        }
                    }
                }
            }
        } onGracefulShutdown: {
            serverChannel.channel.close(promise: nil)
        }
        self.publish(.failure(NotListening()))
        self.logger.info("observability endpoint stopped")
    }

    /// Binds the listening socket with the HTTP/1.1 pipeline on every accepted connection.
    private func bind() async throws
        -> NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>
    {
        let idleTimeout = TimeAmount(self.configuration.idleTimeout)
        return try await ServerBootstrap(group: self.eventLoopGroup)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: self.configuration.host, port: self.configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: true)
                    try sync.addHandlers(
                        [IdleStateHandler(readTimeout: idleTimeout), IdleConnectionCloser()],
                        position: .first
                    )
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                        wrappingChannelSynchronously: channel
                    )
                }
            }
    }

    /// Resolves every ``listeningPort()`` waiter with the outcome of binding, once.
    private func publish(_ result: Result<Int, any Error>) {
        let waiters = self.listening.withLockedValue { state -> [CheckedContinuation<Int, any Error>] in
            switch state {
            case .notStarted(let waiters):
                switch result {
                case .success(let port): state = .listening(port: port)
                case .failure(let error): state = .failed(error)
                }
                return waiters
            case .listening, .failed:
                if case .failure(let error) = result {
                    state = .failed(error)
                }
                return []
            }
        }
        for waiter in waiters {
            waiter.resume(with: result)
        }
    }
}
