import NIOCore
import Synchronization
import TesseraWire

/// The shared state of one connection: its calls in flight, when it last heard from the client, and whether it
/// is draining (after a `go_away`) or closing.
///
/// The read loop registers calls, the call tasks finish them, the idle supervisor and the server's shutdown read
/// it; every access goes through one lock and every decision is re-checked under it.
final class ConnectionControl: Sendable {
    /// What ``register(_:limit:)`` decided about a new call.
    enum Admission {
        /// The call may run; its client `cancel` fires the signal.
        case accepted(CallCancellation)
        /// Its id is already in flight: a protocol error.
        case duplicate
        /// The connection has its maximum of calls in flight.
        case overLimit
        /// The connection sent `go_away`: the call is answered `UNAVAILABLE`.
        case draining
    }

    private struct State {
        var inFlight: [UInt64: CallCancellation] = [:]
        var lastCallID: UInt64 = 0
        var lastActivity: ContinuousClock.Instant
        var isDraining = false
        var isClosing = false
        var certificateSubject: String??
        var writesInProgress: [Int: ContinuousClock.Instant] = [:]
        var nextWriteToken = 0
    }

    /// A number for logs.
    let id: Int
    private let state: Mutex<State>
    private let io = Mutex<(channel: (any Channel)?, outbound: NIOAsyncChannelOutboundWriter<Tessera_Wire_V1_Frame>?)>(
        (nil, nil)
    )

    init(id: Int, now: ContinuousClock.Instant = .now) {
        self.id = id
        self.state = Mutex(State(lastActivity: now))
    }

    /// Records the channel and its writer once the connection's async wrapper runs.
    func attach(channel: any Channel, outbound: NIOAsyncChannelOutboundWriter<Tessera_Wire_V1_Frame>) {
        io.withLock { $0 = (channel, outbound) }
    }

    /// Writes a frame; a failure (the connection closed) is ignored, as nobody is left to answer.
    ///
    /// The write waits while the client does not read (backpressure); how long it has waited is visible to the
    /// supervisor through ``supervisorVerdict(idleTimeout:writeTimeout:now:)``.
    func write(_ frame: Tessera_Wire_V1_Frame) async {
        guard let outbound = io.withLock({ $0.outbound }) else { return }
        let token = state.withLock { state in
            defer { state.nextWriteToken += 1 }
            state.writesInProgress[state.nextWriteToken] = .now
            return state.nextWriteToken
        }
        try? await outbound.write(frame)
        state.withLock { _ = $0.writesInProgress.removeValue(forKey: token) }
    }

    /// Writes a frame, or closes the connection when the write has not gone out after `timeout` (the client is not
    /// reading).
    ///
    /// Used for `go_away` before closing, so a client that stopped reading cannot keep its connection open by
    /// stalling the last write. Closing the channel fails the pending write, which ends it.
    func write(_ frame: Tessera_Wire_V1_Frame, timeout: Duration) async {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await self.write(frame)
                return true
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let wrote = await group.next() ?? false
            if !wrote {
                close()
            }
            group.cancelAll()
        }
    }

    /// Closes the channel now.
    func close() {
        io.withLock { $0.channel }?.close(promise: nil)
    }

    /// The channel, once attached.
    var channel: (any Channel)? { io.withLock { $0.channel } }

    /// Notes that a frame arrived.
    func touch(now: ContinuousClock.Instant = .now) {
        state.withLock { $0.lastActivity = now }
    }

    /// Admits a new call, or says why not.
    func register(_ id: UInt64, limit: Int) -> Admission {
        state.withLock { state in
            if state.inFlight[id] != nil {
                return .duplicate
            }
            if state.isDraining || state.isClosing {
                return .draining
            }
            state.lastCallID = id
            if state.inFlight.count >= limit {
                return .overLimit
            }
            let cancellation = CallCancellation()
            state.inFlight[id] = cancellation
            return .accepted(cancellation)
        }
    }

    /// Removes a call whose reply has been written.
    func finish(_ id: UInt64, now: ContinuousClock.Instant = .now) {
        state.withLock { state in
            state.inFlight[id] = nil
            state.lastActivity = now
        }
    }

    /// Fires the cancel signal of a call in flight; ignored for an id not in flight.
    func cancel(_ id: UInt64) {
        state.withLock { $0.inFlight[id] }?.fire()
    }

    /// The id of the last call received, for `go_away`.
    var lastCallID: UInt64 { state.withLock { $0.lastCallID } }

    /// The number of calls in flight.
    var callsInFlight: Int { state.withLock { $0.inFlight.count } }

    /// Whether the connection is draining or closing (health and new calls look at it).
    var isDraining: Bool { state.withLock { $0.isDraining || $0.isClosing } }

    /// Starts a graceful drain; returns the last call id for the `go_away`, or `nil` when already draining or
    /// closing.
    func beginDraining() -> UInt64? {
        state.withLock { state in
            guard !state.isDraining, !state.isClosing else { return nil }
            state.isDraining = true
            return state.lastCallID
        }
    }

    /// Marks the connection as closing because of a protocol error; returns the last call id.
    func beginClosing() -> UInt64 {
        state.withLock { state in
            state.isClosing = true
            return state.lastCallID
        }
    }

    /// What the connection's supervisor should do now.
    enum SupervisorVerdict {
        /// Close the connection as idle; the value is the last call id for the `go_away`.
        case closeIdle(UInt64)
        /// Close the connection at once: a write has waited longer than the write timeout for the client to read.
        case closeStalled
        /// Check again at this instant.
        case checkAt(ContinuousClock.Instant)
        /// Stop supervising: the connection is draining or closing.
        case stop
    }

    /// Decides whether the connection has been idle (no call in flight, no frame) for `idleTimeout`, or has had a
    /// write blocked for `writeTimeout`. When it closes the connection, it is marked closing in the same step, so
    /// no call slips in.
    func supervisorVerdict(
        idleTimeout: Duration,
        writeTimeout: Duration,
        now: ContinuousClock.Instant = .now
    ) -> SupervisorVerdict {
        state.withLock { state in
            if state.isDraining || state.isClosing {
                return .stop
            }
            if let oldest = state.writesInProgress.values.min(), now - oldest >= writeTimeout {
                state.isClosing = true
                return .closeStalled
            }
            if !state.inFlight.isEmpty || !state.writesInProgress.isEmpty {
                return .checkAt(now + min(idleTimeout, writeTimeout))
            }
            let due = state.lastActivity + idleTimeout
            if now >= due {
                state.isClosing = true
                return .closeIdle(state.lastCallID)
            }
            return .checkAt(min(due, now + writeTimeout))
        }
    }

    /// The cached certificate subject of the client (`.some(nil)` once looked up and absent).
    var certificateSubject: String?? {
        get { state.withLock { $0.certificateSubject } }
        set { state.withLock { $0.certificateSubject = newValue } }
    }
}
