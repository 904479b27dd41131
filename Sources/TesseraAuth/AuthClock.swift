import Foundation

/// Where the flows read the time: the system clock in the server, a settable one in tests.
public struct AuthClock: Sendable {
    private let read: @Sendable () -> Date

    /// A clock reading `read`.
    /// - Parameter read: Returns the current time.
    public init(_ read: @escaping @Sendable () -> Date) {
        self.read = read
    }

    /// The system clock.
    public static let system = AuthClock { Date() }

    /// The current time.
    public var now: Date { self.read() }
}
