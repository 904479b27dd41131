/// A misuse of ``TesseraServer`` (run twice, asked for its address after it stopped).
public struct TesseraServerError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public let message: String

    /// Creates the error.
    ///
    /// - Parameter message: What went wrong.
    public init(_ message: String) {
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
