/// Why the test support could not provide what a test asked for (e.g. no PostgreSQL installed).
public struct TestSupportError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, in one line.
    public var description: String

    /// Creates an error with a one-line description.
    /// - Parameter description: What went wrong.
    public init(_ description: String) {
        self.description = description
    }
}
