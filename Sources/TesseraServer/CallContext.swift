import Logging
import TesseraWire

/// What a method handler knows about the call it serves, beyond its request message.
public struct CallContext: Sendable {
    /// The method being called.
    public let method: MethodDescriptor
    /// The authenticated caller.
    public let caller: Caller
    /// When the call's deadline passes; the server answers `DEADLINE_EXCEEDED` then, whatever the handler does.
    public let deadline: ContinuousClock.Instant
    /// Whether the server is shutting down (health reports `NOT_SERVING` then).
    public let isServerDraining: Bool
    /// A logger for the call (metadata: method and caller id). Never log request content with it.
    public let logger: Logger

    /// Creates a call context.
    ///
    /// - Parameters:
    ///   - method: The method being called.
    ///   - caller: The authenticated caller.
    ///   - deadline: The call's deadline.
    ///   - isServerDraining: Whether the server is shutting down.
    ///   - logger: The call's logger.
    public init(
        method: MethodDescriptor,
        caller: Caller,
        deadline: ContinuousClock.Instant,
        isServerDraining: Bool,
        logger: Logger
    ) {
        self.method = method
        self.caller = caller
        self.deadline = deadline
        self.isServerDraining = isServerDraining
        self.logger = logger
    }
}
