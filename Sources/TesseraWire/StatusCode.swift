/// A gRPC status code, the outcome of a call on the wire (`tessera.wire.v1.Status.Code`).
///
/// The numbers, names and meanings are gRPC's. Unlike the generated enum, this type has no case for numbers
/// outside 0–16: ``init(_:)`` maps them to ``unknown``, as gRPC requires of a receiver, so code that switches on
/// a status never has to handle an unrecognised value.
public struct StatusCode: Hashable, Sendable, CustomStringConvertible {
    /// The code's number on the wire, 0 to 16.
    public let rawValue: Int

    private init(uncheckedRawValue: Int) {
        self.rawValue = uncheckedRawValue
    }

    /// Creates a status code from its number.
    ///
    /// - Parameter rawValue: The number on the wire.
    /// - Returns: `nil` when the number is not a gRPC status code (0 to 16).
    public init?(rawValue: Int) {
        guard Self.names.indices.contains(rawValue) else {
            return nil
        }
        self.rawValue = rawValue
    }

    /// Creates a status code from the generated protobuf enum; numbers outside 0–16 become ``unknown``.
    ///
    /// - Parameter code: The code as decoded from a `Status` message.
    public init(_ code: Tessera_Wire_V1_Status.Code) {
        self = StatusCode(rawValue: code.rawValue) ?? .unknown
    }

    /// The code as the generated protobuf enum, for building a `Status` message.
    public var protoCode: Tessera_Wire_V1_Status.Code {
        Tessera_Wire_V1_Status.Code(rawValue: self.rawValue) ?? .unknown
    }

    /// The gRPC name of the code, for example `NOT_FOUND`.
    public var description: String {
        Self.names[self.rawValue]
    }

    private static let names = [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
        "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    ]

    /// 0: not an error; the call succeeded.
    public static let ok = StatusCode(uncheckedRawValue: 0)
    /// 1: the call was cancelled, typically by the client.
    public static let cancelled = StatusCode(uncheckedRawValue: 1)
    /// 2: an error with no better code, or a code the receiver does not know.
    public static let unknown = StatusCode(uncheckedRawValue: 2)
    /// 3: the request is malformed whatever the state of the server.
    public static let invalidArgument = StatusCode(uncheckedRawValue: 3)
    /// 4: the deadline passed before the call finished.
    public static let deadlineExceeded = StatusCode(uncheckedRawValue: 4)
    /// 5: a requested entity was not found.
    public static let notFound = StatusCode(uncheckedRawValue: 5)
    /// 6: the entity the call tried to create already exists.
    public static let alreadyExists = StatusCode(uncheckedRawValue: 6)
    /// 7: the caller is authenticated but not allowed to call the method.
    public static let permissionDenied = StatusCode(uncheckedRawValue: 7)
    /// 8: a limit was hit (calls in flight, rate limit, queue, size); retry later with back-off.
    public static let resourceExhausted = StatusCode(uncheckedRawValue: 8)
    /// 9: the system is not in the state the call requires.
    public static let failedPrecondition = StatusCode(uncheckedRawValue: 9)
    /// 10: aborted by a concurrency conflict; may be retried.
    public static let aborted = StatusCode(uncheckedRawValue: 10)
    /// 11: a value is outside the range the operation accepts.
    public static let outOfRange = StatusCode(uncheckedRawValue: 11)
    /// 12: the method does not exist or is not implemented.
    public static let unimplemented = StatusCode(uncheckedRawValue: 12)
    /// 13: an invariant of the server broke.
    public static let `internal` = StatusCode(uncheckedRawValue: 13)
    /// 14: the service cannot take the call now (for example it is shutting down); safe to retry.
    public static let unavailable = StatusCode(uncheckedRawValue: 14)
    /// 15: unrecoverable data loss or corruption.
    public static let dataLoss = StatusCode(uncheckedRawValue: 15)
    /// 16: the call has no valid credential.
    public static let unauthenticated = StatusCode(uncheckedRawValue: 16)
}
