import TesseraCrypto
import TesseraWire

/// The failure of one call, as the status the caller will see: a code and a short reason.
///
/// Method handlers throw it to answer with a status other than `OK`. The message is sent to the caller and
/// logged, so it must never contain request content (a password, a plaintext, a token, a context value).
public struct CallError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The status code sent to the caller.
    public let code: StatusCode
    /// A short English reason, free of request content.
    public let message: String

    /// Creates a call error.
    ///
    /// - Parameters:
    ///   - code: The status code.
    ///   - message: A short reason that reveals nothing secret and quotes nothing from the request.
    public init(_ code: StatusCode, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The code and message.
    public var description: String { "\(code): \(message)" }

    /// The status carried in a `Reply`.
    public var status: Tessera_Wire_V1_Status { Tessera_Wire_V1_Status(code, message) }

    /// Maps any error thrown while serving a call to what the caller sees.
    ///
    /// ``CallError`` passes through; `CryptoError` is mapped by its code (see ``init(_:)``); cancellation becomes
    /// `CANCELLED`; anything else is a server bug, `INTERNAL` with a generic message (the details go to the log
    /// only).
    ///
    /// - Parameter error: The error.
    /// - Returns: The status to answer with.
    public static func from(_ error: any Error) -> CallError {
        switch error {
        case let error as CallError: error
        case let error as CryptoError: CallError(error)
        case is CancellationError: CallError(.cancelled, "call cancelled")
        default: CallError(.internal, "internal error")
        }
    }

    /// Maps a crypto-core error to a status.
    ///
    /// Input problems (bad password, malformed hash or secret, parameters out of bounds, unsupported algorithm,
    /// invalid parameter) are `INVALID_ARGUMENT` with the core's message, which never contains secrets; a full
    /// Argon2 queue is `RESOURCE_EXHAUSTED`; every failure to open sealed data is one opaque `INVALID_ARGUMENT`; a
    /// keyring in the wrong state is `FAILED_PRECONDITION`; a C library failure is `INTERNAL` with a generic
    /// message.
    ///
    /// - Parameter error: The crypto error.
    public init(_ error: CryptoError) {
        switch error.code {
        case .overloaded:
            self.init(.resourceExhausted, "password hashing queue is full; retry with back-off")
        case .authenticationFailure, .malformedEnvelope, .unknownKeyVersion:
            self.init(.invalidArgument, Self.sealedValueDoesNotOpen)
        case .keyringState:
            self.init(.failedPrecondition, "the keyring is not in a usable state")
        case .internalFailure:
            self.init(.internal, "internal error")
        case .invalidPassword, .malformedHash, .parametersOutOfBounds, .unsupportedAlgorithm, .pepperMismatch,
            .malformedToken, .invalidParameter, .malformedSecret, .encodingFailure:
            self.init(.invalidArgument, error.message)
        default:
            self.init(.internal, "internal error")
        }
    }

    /// The one reason given for every sealed value that cannot be opened, whatever the cause.
    public static let sealedValueDoesNotOpen = "sealed value could not be opened"
}
