import SwiftProtobuf

/// What both ends of a connection know about one RPC method: its wire name, its message types, and whether a
/// client may safely send it again after a connection failure.
///
/// The server routes on ``name``; the client library and `tessera call` use ``requestType`` and
/// ``responseType`` to encode and decode bodies (binary, or JSON for the CLI).
public struct MethodDescriptor: Sendable, Hashable, CustomStringConvertible {
    /// The wire name, `"tessera.v1.<Service>/<Method>"`.
    public let name: String
    /// The request message type carried in `Call.body`.
    public let requestType: any SwiftProtobuf.Message.Type
    /// The response message type carried in `Reply.body`.
    public let responseType: any SwiftProtobuf.Message.Type
    /// Whether a client may retry the call after the connection failed with the outcome unknown: true when
    /// running it twice has no effect beyond running it once (stateless or read-only methods).
    public let isSafeToRetry: Bool
    /// Whether a service-wide grant (`Service/*`) leaves this method out: an administrative method (unlocking or
    /// disabling an account) needs its own grant, by name or `*`.
    public let needsOwnGrant: Bool

    /// Creates a descriptor.
    ///
    /// - Parameters:
    ///   - name: The wire name.
    ///   - request: The request message type.
    ///   - response: The response message type.
    ///   - isSafeToRetry: Whether a retry after a connection failure is harmless.
    public init(
        _ name: String,
        request: any SwiftProtobuf.Message.Type,
        response: any SwiftProtobuf.Message.Type,
        isSafeToRetry: Bool,
        needsOwnGrant: Bool = false
    ) {
        self.name = name
        self.requestType = request
        self.responseType = response
        self.isSafeToRetry = isSafeToRetry
        self.needsOwnGrant = needsOwnGrant
    }

    /// The service part of ``name``, e.g. `"tessera.v1.Passwords"`.
    public var service: Substring { name.split(separator: "/", maxSplits: 1).first ?? Substring(name) }

    public static func == (lhs: MethodDescriptor, rhs: MethodDescriptor) -> Bool { lhs.name == rhs.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }
    public var description: String { name }
}
