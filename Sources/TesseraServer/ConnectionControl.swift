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
    func write(_ frame: Tessera_Wire_V1_Frame) async {
        guard let outbound = io.withLock({ $0.outbound }) else { return }
        try? await outbound.write(frame)
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

    /// What the idle supervisor should do now.
    enum IdleVerdict {
        /// Close the connection as idle; the value is the last call id for the `go_away`.
        case closeIdle(UInt64)
        /// Check again at this instant.
        case checkAt(ContinuousClock.Instant)
        /// Stop supervising: the connection is draining or closing.
        case stop
    }

    /// Decides whether the connection has been idle (no call in flight, no frame) for `timeout`; when it has,
    /// the connection is marked closing in the same step, so no call slips in.
    func idleVerdict(timeout: Duration, now: ContinuousClock.Instant = .now) -> IdleVerdict {
        state.withLock { state in
            if state.isDraining || state.isClosing {
                return .stop
            }
            if !state.inFlight.isEmpty {
                return .checkAt(now + timeout)
            }
            let due = state.lastActivity + timeout
            if now >= due {
                state.isClosing = true
                return .closeIdle(state.lastCallID)
            }
            return .checkAt(due)
        }
    }

    /// The cached certificate subject of the client (`.some(nil)` once looked up and absent).
    var certificateSubject: String?? {
        get { state.withLock { $0.certificateSubject } }
        set { state.withLock { $0.certificateSubject = newValue } }
    }
}
