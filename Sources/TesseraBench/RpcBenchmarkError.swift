/// Why the RPC benchmark could not run (a server did not start, a call that must succeed failed).
public struct RpcBenchmarkError: Error, CustomStringConvertible {
    /// What went wrong; contains no secret.
    public let description: String

    /// Creates an error with a short reason.
    public init(_ description: String) {
        self.description = description
    }
}
