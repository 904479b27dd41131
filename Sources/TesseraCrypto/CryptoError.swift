/// An error from Tessera's crypto core: a code, a short message that never contains secret material, and an
/// optional non-secret cause.
///
/// Errors are equal when their codes are equal, so tests and callers match on ``code`` alone. Expected outcomes
/// (a wrong password, a wrong TOTP code) are *not* errors: they are values in the results. A failure to open a
/// sealed envelope is deliberately a single opaque code, ``Code/authenticationFailure``, whatever went wrong.
public struct CryptoError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, as a closed set of values that callers can switch over via `==`.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case invalidPassword
            case malformedHash
            case parametersOutOfBounds
            case unsupportedAlgorithm
            case pepperMismatch
            case overloaded
            case authenticationFailure
            case malformedEnvelope
            case unknownKeyVersion
            case keyringState
            case malformedToken
            case invalidParameter
            case malformedSecret
            case encodingFailure
            case internalFailure
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The password is empty, too long, or not valid UTF-8 text.
        public static let invalidPassword = Code(.invalidPassword)
        /// A PHC string is not well formed (fields, base64, numbers).
        public static let malformedHash = Code(.malformedHash)
        /// Argon2 parameters in a PHC string or policy lie outside the configured bounds; refused before any work.
        public static let parametersOutOfBounds = Code(.parametersOutOfBounds)
        /// The PHC string names an algorithm or version Tessera does not verify (e.g. argon2d, bcrypt).
        public static let unsupportedAlgorithm = Code(.unsupportedAlgorithm)
        /// A hash was made with a pepper this hasher does not hold (or without one when one is required).
        public static let pepperMismatch = Code(.pepperMismatch)
        /// The Argon2 work queue is full; try again later.
        public static let overloaded = Code(.overloaded)
        /// A sealed value could not be opened: tampered, wrong context, wrong or unknown key. Deliberately opaque.
        public static let authenticationFailure = Code(.authenticationFailure)
        /// Bytes presented as an envelope or wrapped key are not in the documented format.
        public static let malformedEnvelope = Code(.malformedEnvelope)
        /// An operation named a master key version the keyring does not hold.
        public static let unknownKeyVersion = Code(.unknownKeyVersion)
        /// A keyring operation is not allowed in the key's current state (e.g. retire the active version).
        public static let keyringState = Code(.keyringState)
        /// A token is malformed: wrong prefix, wrong kind, bad characters, bad checksum or bad length.
        public static let malformedToken = Code(.malformedToken)
        /// A parameter is outside its allowed range (TOTP digits, period, context keys, sizes).
        public static let invalidParameter = Code(.invalidParameter)
        /// A secret's encoding is wrong (e.g. base32 with invalid characters).
        public static let malformedSecret = Code(.malformedSecret)
        /// An encoder failed (e.g. the text is too long for a QR symbol).
        public static let encodingFailure = Code(.encodingFailure)
        /// A C library reported an unexpected failure (allocation, thread creation).
        public static let internalFailure = Code(.internalFailure)

        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public let code: Code
    /// A short, non-secret explanation fit for an operator or a caller's status message.
    public let message: String
    /// A lower-level, non-secret cause, if any (never a value derived from secret input).
    public let cause: (any Error & Sendable)?

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: What went wrong.
    ///   - message: A short explanation that must not contain secret material.
    ///   - cause: A lower-level, non-secret cause.
    public init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public static func == (lhs: CryptoError, rhs: CryptoError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    public var description: String { "\(code): \(message)" }

    /// The single error for every failure to open sealed data.
    public static let authenticationFailure = CryptoError(.authenticationFailure, "authentication failed")
}
