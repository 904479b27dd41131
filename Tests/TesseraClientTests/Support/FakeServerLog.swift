import Foundation
import Synchronization
import TesseraWire

/// What a ``FakeServer`` received and sent, readable from tests while it runs.
final class FakeServerLog: Sendable {
    /// One call as received, with the index of the connection it came on (0 for the first accepted).
    struct ReceivedCall: Sendable {
        let connection: Int
        let call: Tessera_Wire_V1_Call
    }

    struct Snapshot: Sendable {
        var calls: [ReceivedCall] = []
        var cancels: [(connection: Int, id: UInt64)] = []
        var pongs: [Data] = []
        var replies: [(connection: Int, id: UInt64)] = []
        var connections = 0
        var openConnections = 0
    }

    private let state = Mutex(Snapshot())

    var snapshot: Snapshot { self.state.withLock { $0 } }

    func record(call: Tessera_Wire_V1_Call, connection: Int) {
        self.state.withLock { $0.calls.append(ReceivedCall(connection: connection, call: call)) }
    }

    func record(cancel id: UInt64, connection: Int) {
        self.state.withLock { $0.cancels.append((connection, id)) }
    }

    func record(pong payload: Data) {
        self.state.withLock { $0.pongs.append(payload) }
    }

    func record(replyTo id: UInt64, connection: Int) {
        self.state.withLock { $0.replies.append((connection, id)) }
    }

    /// Counts a new connection and returns its index.
    func connectionOpened() -> Int {
        self.state.withLock { state in
            state.connections += 1
            state.openConnections += 1
            return state.connections - 1
        }
    }

    func connectionClosed() {
        self.state.withLock { $0.openConnections -= 1 }
    }

    /// Waits until `condition` holds for the log, polling, or fails the test after `timeout`.
    func waitUntil(
        timeout: Duration = .seconds(15),
        _ what: String,
        _ condition: (Snapshot) -> Bool
    ) async throws {
        let clock = ContinuousClock()
        let end = clock.now + timeout
        while !condition(self.snapshot) {
            guard clock.now < end else {
                throw FakeServerTimeout(what: what)
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}

/// A condition awaited in a test did not happen in time.
struct FakeServerTimeout: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for: \(self.what)" }
}
