import Foundation
import SwiftProtobuf
import TesseraWire

/// The table from method names (``MethodCatalog``) to the code that serves them.
///
/// Handlers are registered with their request and response message types; the router decodes the call's body
/// (a body that does not decode is `INVALID_ARGUMENT`) and encodes the response. A method of the catalog with no
/// handler is answered `UNIMPLEMENTED`, like a name that is not in the catalog.
public struct CallRouter: Sendable {
    /// Serves one call: the raw request body in, the raw response body out.
    public typealias Handler = @Sendable (_ body: Data, _ context: CallContext) async throws -> Data

    private var handlers: [String: Handler] = [:]

    /// Creates an empty router.
    public init() {}

    /// Registers the handler of a method.
    ///
    /// - Parameters:
    ///   - method: The method, from ``MethodCatalog``; its `requestType` must be `Request`.
    ///   - request: The request message type.
    ///   - body: Serves a decoded request; throws ``CallError`` (or `CryptoError`) to fail the call.
    public mutating func register<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: MethodDescriptor,
        request: Request.Type,
        _ body: @escaping @Sendable (Request, CallContext) async throws -> Response
    ) {
        handlers[method.name] = { bytes, context in
            let request: Request
            do {
                request = try Request(serializedBytes: bytes)
            } catch {
                throw CallError(.invalidArgument, "body is not a valid \(Request.protoMessageName)")
            }
            let response = try await body(request, context)
            return try response.serializedBytes()
        }
    }

    /// The handler of a method, or `nil` when none is registered.
    ///
    /// - Parameter method: The method.
    /// - Returns: Its handler.
    public func handler(for method: MethodDescriptor) -> Handler? {
        handlers[method.name]
    }

    /// The names of the methods with a handler.
    public var registeredMethods: Set<String> { Set(handlers.keys) }
}
