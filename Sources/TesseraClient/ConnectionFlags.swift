import Synchronization

/// The state of a connection that the pool reads from any thread while its handler updates it on the event loop.
final class ConnectionFlags: Sendable {
    private let draining = Atomic<Bool>(false)
    private let closed = Atomic<Bool>(false)

    /// Whether new calls may be sent: neither closed nor told to go away.
    var isAcceptingCalls: Bool {
        !self.draining.load(ordering: .acquiring) && !self.closed.load(ordering: .acquiring)
    }

    /// Whether the connection has closed.
    var isClosed: Bool { self.closed.load(ordering: .acquiring) }

    /// The server sent `go_away`: no new call goes on this connection.
    func markDraining() {
        self.draining.store(true, ordering: .releasing)
    }

    /// The connection has closed.
    func markClosed() {
        self.closed.store(true, ordering: .releasing)
    }
}
