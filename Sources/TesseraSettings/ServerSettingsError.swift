import TesseraServer
/// Settings that cannot be used, with a one-line reason.
public struct ServerSettingsError: Error, Sendable, CustomStringConvertible {
    /// What is wrong.
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
