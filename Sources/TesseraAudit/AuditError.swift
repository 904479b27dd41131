/// A failure of the audit module: a code and a short message that never contains a secret or a rejected value.
public struct AuditError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case invalidName
            case invalidValue
            case invalidConfiguration
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A name or identifier broke the ``AuditName`` rules.
        public static let invalidName = Code(.invalidName)
        /// A payload value is out of range (e.g. a negative count).
        public static let invalidValue = Code(.invalidValue)
        /// The audit log is misconfigured (e.g. a page size below 1).
        public static let invalidConfiguration = Code(.invalidConfiguration)

        /// The code's name.
        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public let code: Code
    /// A short, fixed explanation.
    public let message: String

    /// Creates an error.
    /// - Parameters:
    ///   - code: The kind.
    ///   - message: A short explanation without data values.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// Errors are equal by code.
    public static func == (lhs: AuditError, rhs: AuditError) -> Bool { lhs.code == rhs.code }

    /// Hashes the code only.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }
}
