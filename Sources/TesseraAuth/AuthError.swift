/// Why a flow refused a request outright: bad input, a state that does not allow it, an overloaded replica.
///
/// Expected outcomes (wrong credentials, an expired session) are values of each flow's outcome type, not errors.
/// The message names what was wrong with the request, never a value from it: no email, password, token or code.
public struct AuthError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of refusal; the server maps each to one status code.
    public enum Code: String, Sendable, Hashable {
        /// The request is malformed (an email, password, token, code or device description out of its rules).
        case invalidArgument
        /// The request is well-formed but the state does not allow it (TOTP already enrolled, an invitation code
        /// before invitations exist).
        case failedPrecondition
        /// The user (or session) named by id does not exist.
        case notFound
        /// The email address is taken.
        case alreadyExists
        /// Too many attempts from one client address on this replica; retry later.
        case resourceExhausted
    }

    /// The kind of refusal.
    public let code: Code
    /// A short, value-free explanation.
    public let message: String

    /// Creates an error.
    /// - Parameters:
    ///   - code: The kind.
    ///   - message: A value-free explanation.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `code: message`.
    public var description: String { "\(code.rawValue): \(message)" }
}
