import Foundation
import Logging
import NIOCore
import NIOPosix
import SwiftProtobuf
import TesseraWire

/// A client of a Tessera server: typed calls over a pool of multiplexed connections.
///
/// Create one client per server and share it (it is `Sendable`); call ``shutdown()`` when done. Connections are
/// opened lazily by the first call, and reopened transparently, with backoff, after they close or the server sends
/// `go_away`. Each connection carries any number of calls at once, and replies are matched to calls by id.
///
/// ```swift
/// let client = try TesseraClient(configuration: .init(host: "127.0.0.1", credential: .init(token)))
/// let phc = try await client.hashPassword("correct horse battery staple")
/// await client.shutdown()
/// ```
///
/// **Deadlines.** Every call has one (``Configuration/defaultTimeout`` unless given): it bounds connecting,
/// retries and the wait for the reply, is sent to the server as `timeout_ms`, and is also enforced locally. When it
/// passes, the call fails with ``TesseraClientError/Code-swift.struct/timedOut`` and the client sends the server a
/// `cancel`. Cancelling the awaiting task does the same, with ``TesseraClientError/Code-swift.struct/cancelled``.
/// (A `DEADLINE_EXCEEDED` reply from the server, should it come first, is `.status(.deadlineExceeded)`; both map
/// to `DEADLINE_EXCEEDED` through ``TesseraClientError/Code-swift.struct/statusCode``.)
///
/// **Retries.** A call is sent again (at most ``Configuration/maxRetries`` times, within its deadline) only when
/// that cannot run it twice by surprise: when it never reached the server (no connection could be opened, or it
/// was sent after the server's `go_away`), or when its method is safe to retry
/// (``MethodDescriptor/isSafeToRetry``) and it failed with `UNAVAILABLE` (the connection was lost mid-call, or the
/// server refused it while shutting down). Every other failure is returned as it is.
public final class TesseraClient: Sendable {
    /// The configuration the client was created with.
    public let configuration: Configuration

    private let pool: ConnectionPool
    private let logger: Logger
    private let authorization: String?

    /// Creates a client. No connection is opened until the first call.
    ///
    /// - Parameters:
    ///   - configuration: Where the server is, the credential, TLS and limits.
    ///   - eventLoopGroup: The event loops the connections run on; NIO's shared singleton group by default.
    ///   - logger: Where the client logs connection events, at debug level; it never logs bodies or credentials.
    /// - Throws: ``TesseraClientError`` with `invalidConfiguration` when the TLS files cannot be loaded.
    public init(
        configuration: Configuration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "tessera.client")
    ) throws {
        self.configuration = configuration
        self.logger = logger
        if let credential = configuration.credential, !credential.isEmpty {
            self.authorization = credential.authorizationValue
        } else {
            self.authorization = nil
        }
        let tls = try configuration.tls.makeContext().map { context in
            (context: context, serverHostname: configuration.tls.serverHostname ?? Self.sniName(configuration.host))
        }
        self.pool = ConnectionPool(configuration: configuration, group: eventLoopGroup, tls: tls, logger: logger)
    }

    /// Closes the connections of a client dropped without ``shutdown()``, so that they do not outlive it.
    deinit {
        self.pool.closeAll()
    }

    /// Closes every connection. Calls still in flight and every later call fail with
    /// ``TesseraClientError/Code-swift.struct/shutdown``.
    public func shutdown() async {
        await self.pool.shutdown()
        self.logger.debug("tessera client shut down")
    }

    /// Calls a method with a typed request and returns its typed response.
    ///
    /// - Parameters:
    ///   - method: The method, usually one of ``MethodCatalog``'s.
    ///   - request: The request message; its type must be the method's request type.
    ///   - responseType: The method's response type.
    ///   - timeout: The call's deadline; ``Configuration/defaultTimeout`` when `nil`.
    ///   - metadata: Extra call metadata (lower-case keys); `authorization` is set from the credential.
    /// - Returns: The decoded response.
    /// - Throws: ``TesseraClientError``: the server's status when it is not `OK`, or a client-side failure.
    public func call<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: MethodDescriptor,
        _ request: Request,
        as responseType: Response.Type = Response.self,
        timeout: Duration? = nil,
        metadata: [String: String] = [:]
    ) async throws -> Response {
        guard ObjectIdentifier(Request.self) == ObjectIdentifier(method.requestType),
            ObjectIdentifier(Response.self) == ObjectIdentifier(method.responseType)
        else {
            throw TesseraClientError(
                .invalidRequest,
                "types \(Request.protoMessageName) -> \(Response.protoMessageName) do not match the method",
                method: method.name
            )
        }
        let body: Data
        do {
            body = try request.serializedData()
        } catch {
            throw TesseraClientError(.invalidRequest, "request does not encode", method: method.name)
        }
        let replyBody = try await self.call(method, serializedRequest: body, timeout: timeout, metadata: metadata)
        do {
            return try Response(serializedBytes: replyBody)
        } catch {
            throw TesseraClientError(
                .protocolViolation, "response does not decode as \(Response.protoMessageName)", method: method.name
            )
        }
    }

    /// Calls a method with a request already encoded in protobuf binary, and returns the encoded response.
    ///
    /// This is what ``call(_:_:as:timeout:metadata:)`` and `tessera call` are built on; it does not check that the
    /// bytes are a valid request.
    ///
    /// - Parameters:
    ///   - method: The method.
    ///   - serializedRequest: The request message in protobuf binary.
    ///   - timeout: The call's deadline; ``Configuration/defaultTimeout`` when `nil`.
    ///   - metadata: Extra call metadata (lower-case keys); `authorization` is set from the credential.
    /// - Returns: The response message in protobuf binary (`Reply.body`).
    /// - Throws: ``TesseraClientError``: the server's status when it is not `OK`, or a client-side failure.
    public func call(
        _ method: MethodDescriptor,
        serializedRequest: Data,
        timeout: Duration? = nil,
        metadata: [String: String] = [:]
    ) async throws -> Data {
        let timeout = TimeAmount(timeout ?? self.configuration.defaultTimeout)
        let deadline = NIODeadline.now() + timeout
        var call = Tessera_Wire_V1_Call()
        call.method = method.name
        call.metadata = metadata
        if let authorization = self.authorization {
            call.metadata["authorization"] = authorization
        }
        call.body = serializedRequest
        try self.checkSize(of: call)
        var attempt = 0
        while true {
            do {
                return try await self.attempt(call, deadline: deadline)
            } catch let error as TesseraClientError {
                let error = error.naming(method.name)
                guard attempt < self.configuration.maxRetries,
                    error.allowsRetry(isSafeToRetry: method.isSafeToRetry),
                    !Task.isCancelled
                else {
                    throw error
                }
                attempt += 1
                self.logger.debug(
                    "retrying call",
                    metadata: ["method": "\(method.name)", "attempt": "\(attempt)", "error": "\(error.code)"]
                )
                // Connection failures already back off in the pool; a short pause spreads the other retries.
                let pause = TimeAmount.milliseconds(Int64(10 << min(attempt, 6)))
                guard NIODeadline.now() + pause < deadline else {
                    throw error
                }
                try? await Task.sleep(for: .nanoseconds(pause.nanoseconds))
            }
        }
    }

    /// Refuses a call whose frame would exceed ``Configuration/maxFrameBytes``, before anything is sent: the codec
    /// would otherwise fail the write in a way that closes the connection, with every call on it.
    private func checkSize(of call: Tessera_Wire_V1_Call) throws {
        let limit = self.configuration.maxFrameBytes
        // A cheap upper bound first (tags, lengths, the largest id and timeout); encode only when it is close.
        let metadataBytes = call.metadata.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count + 16 }
        let bound = call.body.count + call.method.utf8.count + metadataBytes + 64
        guard bound > limit else {
            return
        }
        var largest = call
        largest.id = .max
        largest.timeoutMs = .max
        let size = (try? Tessera_Wire_V1_Frame.with { $0.kind = .call(largest) }.serializedBytes() as [UInt8])?.count
        guard let size, size <= limit else {
            throw TesseraClientError(
                .invalidRequest,
                "request too large: a frame of \(size ?? bound) bytes exceeds the limit of \(limit) bytes",
                method: call.method
            )
        }
    }

    /// One attempt: a connection from the pool, the call, and its reply's status.
    private func attempt(_ call: Tessera_Wire_V1_Call, deadline: NIODeadline) async throws -> Data {
        if Task.isCancelled {
            throw TesseraClientError(.cancelled, "cancelled", method: nil, wasNotSent: true)
        }
        let connection = try await self.pool.connection(before: deadline)
        let remaining = deadline - NIODeadline.now()
        guard remaining > .zero else {
            throw TesseraClientError(
                .timedOut, "deadline passed before the call was sent", method: nil, wasNotSent: true)
        }
        let reply = try await connection.send(call, timeout: remaining)
        let status = reply.status.statusCode
        guard status == .ok else {
            throw TesseraClientError(.status(status), reply.status.message)
        }
        return reply.body
    }

    /// The name to send as SNI and verify: the host, unless it is an IP address (verified against the
    /// certificate's IP addresses instead, since SNI cannot carry one).
    private static func sniName(_ host: String) -> String? {
        if (try? SocketAddress(ipAddress: host, port: 0)) != nil {
            return nil
        }
        return host
    }
}
