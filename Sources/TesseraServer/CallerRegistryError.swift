/// A callers file that cannot be used: duplicate ids, malformed digests or patterns.
public struct CallerRegistryError: Error, Sendable, CustomStringConvertible {
    /// What is wrong; names caller ids and patterns, never credentials.
    public let message: String

    /// Creates the error.
    ///
    /// - Parameter message: What is wrong.
    public init(_ message: String) {
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
