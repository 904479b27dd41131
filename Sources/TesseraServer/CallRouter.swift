import Foundation
import SwiftProtobuf
import TesseraWire

/// The table from method names (``MethodCatalog``) to the code that serves them.
///
/// Handlers are registered with their request and response message types; the router decodes the call's body
/// (a body that does not decode is `INVALID_ARGUMENT`) and encodes the response. A method of the catalog with no
/// handler is answered `UNIMPLEMENTED`, like a name that is not in the catalog.
///
/// A handler that never suspends (``registerImmediate(_:request:_:)``) is run by the server on the connection's
/// read loop, without a task of its own; one that suspends (``register(_:request:refusingWhen:_:)``) gets a task,
/// raced against the call's deadline and the client's `cancel`, and may name a cheap check that refuses the call
/// before that task is made. A handler of a few microseconds on memory already held
/// (``registerOnEventLoop(_:request:_:)``: `Health/Check`, single seals and opens) is answered on the connection's
/// event loop as soon as its frame is decoded, ahead of the frames queued for the read loop.
public struct CallRouter: Sendable {
    /// Serves one call: the raw request body in, the raw response body out.
    public typealias Handler = @Sendable (_ body: Data, _ context: CallContext) async throws -> Data

    /// Serves one call without suspending: the raw request body in, the raw response body out.
    public typealias ImmediateHandler = @Sendable (_ body: Data, _ context: CallContext) throws -> Data

    /// Decides, before a call gets a task, whether it would be refused at once (for example a full queue): the
    /// error to answer, or `nil` to run the call.
    public typealias Refusal = @Sendable () -> CallError?

    /// How a method is served.
    enum Route: Sendable {
        /// Run where the call is read; it cannot be cancelled midway, so it is not raced against anything.
        case immediate(ImmediateHandler)
        /// Run on the event loop as the frame is decoded (read loop when that is not possible), like `immediate`.
        case eventLoop(ImmediateHandler)
        /// Run in a task of its own, unless `refusal` refuses it first.
        case suspending(Handler, refusal: Refusal?)
    }

    private var routes: [String: Route] = [:]
    /// The methods that run a password hash: the server reports the hasher's metrics after them and counts their
    /// capacity refusals as Argon2 rejections.
    private var hashingMethods: Set<String> = []

    /// Creates an empty router.
    public init() {}

    /// Registers the handler of a method that may suspend (waits for a worker pool, for example).
    ///
    /// - Parameters:
    ///   - method: The method, from ``MethodCatalog``; its `requestType` must be `Request`.
    ///   - request: The request message type.
    ///   - refusal: A cheap check run before the call gets a task; when it returns an error, the call is answered
    ///     with it at once. It must only refuse what `body` would refuse too. `nil` (the default) for none.
    ///   - hashesPasswords: Whether the method runs the password hasher (default false).
    ///   - body: Serves a decoded request; throws ``CallError`` (or `CryptoError`) to fail the call.
    public mutating func register<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: MethodDescriptor,
        request: Request.Type,
        refusingWhen refusal: Refusal? = nil,
        hashesPasswords: Bool = false,
        _ body: @escaping @Sendable (Request, CallContext) async throws -> Response
    ) {
        if hashesPasswords {
            hashingMethods.insert(method.name)
        }
        routes[method.name] = .suspending(
            { bytes, context in
                let response = try await body(try Self.decode(Request.self, from: bytes), context)
                return try response.serializedBytes()
            },
            refusal: refusal
        )
    }

    /// Registers the handler of a method that never suspends: the server runs it without a task of its own, which
    /// makes short calls that are too long for an event loop (TOTP: enrolment draws a QR code) cheaper and keeps
    /// them off a busy task queue.
    ///
    /// - Parameters:
    ///   - method: The method, from ``MethodCatalog``; its `requestType` must be `Request`.
    ///   - request: The request message type.
    ///   - body: Serves a decoded request quickly (it holds up the connection's other frames meanwhile); throws
    ///     ``CallError`` (or `CryptoError`) to fail the call.
    public mutating func registerImmediate<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: MethodDescriptor,
        request: Request.Type,
        _ body: @escaping @Sendable (Request, CallContext) throws -> Response
    ) {
        routes[method.name] = .immediate(Self.immediate(body))
    }

    /// Registers a method answered on the connection's event loop as soon as its frame is decoded, ahead of the
    /// frames queued for the connection's read loop: probes, and calls that cost a few microseconds of CPU.
    ///
    /// The read loops run on the Swift cooperative pool. A probe (`Health/Check`) answered there waits, under load
    /// (a flood of calls queued for the read loops, a busy pool), behind the work, and a slow probe takes a busy
    /// but healthy replica out of rotation; a short call (one seal or open) pays two thread hops that cost more
    /// than the call itself. On the event loop the call still goes through authentication, authorisation, the
    /// rate limit, the in-flight limit and the deadline, in the same order, with the same log line and metrics.
    /// When it cannot be answered there (the connection is not writable, its id is a duplicate, the connection is
    /// draining, or the event loop has answered its share of this read), it takes the read loop's path.
    ///
    /// - Parameters:
    ///   - method: The method, from ``MethodCatalog``; its `requestType` must be `Request`.
    ///   - request: The request message type.
    ///   - body: Answers from memory already held, in microseconds (at most tens for the largest request): it
    ///     runs on an event loop, holding up every socket of that loop. No I/O, no waiting for a lock held for
    ///     long; throws ``CallError`` (or `CryptoError`) to fail the call.
    public mutating func registerOnEventLoop<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: MethodDescriptor,
        request: Request.Type,
        _ body: @escaping @Sendable (Request, CallContext) throws -> Response
    ) {
        routes[method.name] = .eventLoop(Self.immediate(body))
    }

    private static func immediate<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ body: @escaping @Sendable (Request, CallContext) throws -> Response
    ) -> ImmediateHandler {
        { bytes, context in
            let response = try body(try Self.decode(Request.self, from: bytes), context)
            return try response.serializedBytes()
        }
    }

    private static func decode<Request: SwiftProtobuf.Message>(_ type: Request.Type, from bytes: Data) throws -> Request
    {
        do {
            return try Request(serializedBytes: bytes)
        } catch {
            throw CallError(.invalidArgument, "body is not a valid \(Request.protoMessageName)")
        }
    }

    /// The handler of a method, or `nil` when none is registered; an immediate handler is returned as an
    /// asynchronous one.
    ///
    /// - Parameter method: The method.
    /// - Returns: Its handler.
    public func handler(for method: MethodDescriptor) -> Handler? {
        switch routes[method.name] {
        case .immediate(let handler), .eventLoop(let handler): { body, context in try handler(body, context) }
        case .suspending(let handler, _): handler
        case nil: nil
        }
    }

    /// Whether `name` is a method registered with ``registerOnEventLoop(_:request:_:)``.
    func isAnsweredOnEventLoop(_ name: String) -> Bool {
        if case .eventLoop = routes[name] { true } else { false }
    }

    /// How a method is served, or `nil` when it has no handler.
    func route(for method: MethodDescriptor) -> Route? {
        routes[method.name]
    }

    /// Whether the method was registered as one that hashes passwords.
    func hashesPasswords(_ method: String) -> Bool {
        hashingMethods.contains(method)
    }

    /// The names of the methods with a handler.
    public var registeredMethods: Set<String> { Set(routes.keys) }
}
