import TesseraWire

/// Why a call made with ``TesseraClient`` failed.
///
/// A failure is either a status sent by the server (``Code-swift.struct/status(_:)``, with the server's short
/// reason as ``message``) or a failure found by the client itself: it could not connect, the deadline passed, the
/// calling task was cancelled, the server broke the protocol, the client was shut down, or the request could not be
/// sent. Branch on ``code``, never on ``message``.
///
/// Errors are equal when their codes are equal. The ``message`` and ``description`` are built from the method
/// name, sizes, addresses and the server's status message only: never from a request or response body, and never
/// from the credential, so they are safe to log.
public struct TesseraClientError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure happened.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case status(StatusCode)
            case connectionFailed
            case timedOut
            case cancelled
            case protocolViolation
            case shutdown
            case invalidRequest
            case invalidConfiguration
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// The server answered the call with this status (never `OK`). A connection lost while the call was in
        /// flight is reported as `.status(.unavailable)`: the call's outcome on the server is unknown.
        ///
        /// - Parameter code: The status code of the reply.
        /// - Returns: The error code.
        public static func status(_ code: StatusCode) -> Code {
            Code(.status(code))
        }

        /// No connection to the server could be opened (refused, unreachable, TLS handshake failed, connect
        /// timeout). The call was not sent.
        public static let connectionFailed = Code(.connectionFailed)
        /// The call's deadline passed before its reply arrived; the client sent a `cancel` for it.
        public static let timedOut = Code(.timedOut)
        /// The task awaiting the call was cancelled; the client sent a `cancel` for it.
        public static let cancelled = Code(.cancelled)
        /// The server sent something the protocol does not allow (a reply to an unknown call, an undecodable
        /// frame or response body); the client closed the connection.
        public static let protocolViolation = Code(.protocolViolation)
        /// The client was shut down before or while the call ran.
        public static let shutdown = Code(.shutdown)
        /// The request could not be sent: it does not encode, does not match the method's request type, or is
        /// larger than the frame limit. Nothing was sent.
        public static let invalidRequest = Code(.invalidRequest)
        /// The client's configuration is unusable (for example a TLS file that cannot be read).
        public static let invalidConfiguration = Code(.invalidConfiguration)

        /// The server's status code when the failure is a server status, `nil` for failures found by the client.
        public var serverStatus: StatusCode? {
            if case .status(let code) = self.base {
                return code
            }
            return nil
        }

        /// The gRPC status code closest to this failure, for tools that print or map every failure to one code:
        /// the server's own code, `UNAVAILABLE` for connection failures and shutdown, `DEADLINE_EXCEEDED` for a
        /// passed deadline, `CANCELLED`, `INTERNAL` for protocol violations, `INVALID_ARGUMENT` for a request or
        /// configuration that cannot be used.
        public var statusCode: StatusCode {
            switch self.base {
            case .status(let code): code
            case .connectionFailed, .shutdown: .unavailable
            case .timedOut: .deadlineExceeded
            case .cancelled: .cancelled
            case .protocolViolation: .internal
            case .invalidRequest, .invalidConfiguration: .invalidArgument
            }
        }

        /// The server's gRPC name (`UNAVAILABLE`, `NOT_FOUND`, …) or the client code's name (`connectionFailed`,
        /// `timedOut`, …).
        public var description: String {
            switch self.base {
            case .status(let code): code.description
            case .connectionFailed: "connectionFailed"
            case .timedOut: "timedOut"
            case .cancelled: "cancelled"
            case .protocolViolation: "protocolViolation"
            case .shutdown: "shutdown"
            case .invalidRequest: "invalidRequest"
            case .invalidConfiguration: "invalidConfiguration"
            }
        }
    }

    /// What kind of failure happened; branch on this.
    public let code: Code

    /// A short English reason: the server's status message for server statuses, or the client's own reason. It
    /// never contains a request or response body or the credential.
    public let message: String

    /// The wire name of the method called (`tessera.v1.Passwords/Hash`), when the failure concerns one call.
    public let method: String?

    /// Whether the client knows the call was never handed to the server (refused before sending, or sent after
    /// the server's `go_away`), so that retrying it cannot run it twice whatever the method.
    let wasNotSent: Bool

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: What kind of failure happened.
    ///   - message: A short reason that contains no secret and no request data.
    ///   - method: The wire name of the method concerned, if any.
    public init(_ code: Code, _ message: String, method: String? = nil) {
        self.init(code, message, method: method, wasNotSent: false)
    }

    init(_ code: Code, _ message: String, method: String?, wasNotSent: Bool) {
        self.code = code
        self.message = message
        self.method = method
        self.wasNotSent = wasNotSent
    }

    /// The same error, naming the method it concerns.
    func naming(_ method: String) -> TesseraClientError {
        TesseraClientError(self.code, self.message, method: method, wasNotSent: self.wasNotSent)
    }

    /// Whether a new attempt may be made after this failure.
    ///
    /// A call known never to have reached the server may always be retried. A call whose outcome is unknown
    /// (connection lost) or that the server refused with `UNAVAILABLE` is retried only when its method is safe
    /// to run twice. Nothing else is retried: a deadline, a cancellation or any other status is final.
    func allowsRetry(isSafeToRetry: Bool) -> Bool {
        if self.code == .shutdown || self.code == .invalidRequest || self.code == .invalidConfiguration {
            return false
        }
        if self.wasNotSent {
            return true
        }
        return isSafeToRetry && (self.code == .status(.unavailable) || self.code == .connectionFailed)
    }

    /// `method: code: message`, for logs.
    public var description: String {
        if let method = self.method {
            return "\(method): \(self.code): \(self.message)"
        }
        return "\(self.code): \(self.message)"
    }

    /// Compares the codes only, like the other errors of Tessera.
    public static func == (lhs: TesseraClientError, rhs: TesseraClientError) -> Bool {
        lhs.code == rhs.code
    }

    /// Hashes the code only, consistently with `==`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.code)
    }
}
