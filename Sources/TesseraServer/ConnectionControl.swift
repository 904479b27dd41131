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
        /// Ids of calls whose reply has not been handed to the writer yet (duplicates are refused, cancels apply).
        var inFlight: [UInt64: CallCancellation] = [:]
        /// Calls admitted and not finished, reply write included: what the in-flight limit counts.
        var activeCalls = 0
        var lastCallID: UInt64 = 0
        var lastActivity: ContinuousClock.Instant
        var isDraining = false
        var isClosing = false
        /// Whether the connection's `go_away` has been written (or the connection closed without one).
        var goAwayWritten = false
        var certificateSubject: String??
        var writesInProgress: [Int: ContinuousClock.Instant] = [:]
        var nextWriteToken = 0
        /// The outbound backlog at the last look, and since when it has not shrunk.
        var backlog: (bytes: Int, since: ContinuousClock.Instant)?
        /// Whether the read loop runs: calls are answered on the event loop only then.
        var isServing = false
        /// Whether the read loop has ended (the client closed, or the connection was closed).
        var hasEnded = false
        /// Set when the client's address ran out of refusals before authentication: the connection is to get a
        /// `go_away` and be closed once the refused call's reply is out.
        var isThrottled = false
    }

    /// A number for logs.
    let id: Int
    /// The client's IP address (no port), the key of the per-address limits; `nil` when the socket has none.
    let address: String?
    /// When the connection was set up: an unauthenticated connection's time is counted from here.
    let openedAt: ContinuousClock.Instant
    /// Whether a call on the connection has passed authentication; until then frames are held to a small limit
    /// (``InboundFrameGuard``) and the connection to a short lifetime. Read on the event loop, so it is atomic.
    private let authenticated = Atomic<Bool>(false)
    private let state: Mutex<State>
    private let io = Mutex<(channel: (any Channel)?, outbound: NIOAsyncChannelOutboundWriter<Tessera_Wire_V1_Frame>?)>(
        (nil, nil)
    )

    init(id: Int, address: String? = nil, now: ContinuousClock.Instant = .now) {
        self.id = id
        self.address = address
        self.openedAt = now
        self.state = Mutex(State(lastActivity: now))
    }

    /// Whether a call on the connection has passed authentication.
    var hasAuthenticatedCall: Bool { authenticated.load(ordering: .acquiring) }

    /// Notes that a call passed authentication: the connection's limits before authentication are lifted. Set before
    /// the call's reply is written, so a client that has that reply may send larger frames.
    func markAuthenticated() {
        if !authenticated.load(ordering: .relaxed) {
            authenticated.store(true, ordering: .releasing)
        }
    }

    /// Notes that the client's address has no refusals before authentication left: the connection is closed once
    /// the refused call is answered.
    func markThrottled() {
        state.withLock { $0.isThrottled = true }
    }

    /// Whether the connection is to be closed for its address's refusals, and if so marks it closing, once; returns
    /// the last call id for the `go_away`.
    func takeThrottled() -> UInt64? {
        state.withLock { state in
            guard state.isThrottled, !state.isClosing else { return nil }
            state.isClosing = true
            return state.lastCallID
        }
    }

    /// Notes that the read loop has ended.
    func markEnded() {
        state.withLock { $0.hasEnded = true }
    }

    /// Whether the read loop has ended.
    var hasEnded: Bool { state.withLock { $0.hasEnded } }

    /// When a frame last arrived or a call last finished.
    var lastActivity: ContinuousClock.Instant { state.withLock { $0.lastActivity } }

    /// Records the channel and its writer once the connection's async wrapper runs.
    func attach(channel: any Channel, outbound: NIOAsyncChannelOutboundWriter<Tessera_Wire_V1_Frame>) {
        io.withLock { $0 = (channel, outbound) }
    }

    /// The event loop of the connection's channel, once attached.
    var eventLoop: (any EventLoop)? { io.withLock { $0.channel?.eventLoop } }

    /// Writes a frame; a failure (the connection closed) is ignored, as nobody is left to answer.
    ///
    /// The write waits while the client does not read (backpressure); the supervisor sees it waiting through
    /// ``supervisorVerdict(idleTimeout:writeTimeout:bufferedBytes:now:)``.
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

    /// Writes the connection's `go_away` as ``write(_:timeout:)`` does, then lets the refusals waiting in
    /// ``awaitGoAway(timeout:)`` go out after it.
    func writeGoAway(_ frame: Tessera_Wire_V1_Frame, timeout: Duration) async {
        await write(frame, timeout: timeout)
        state.withLock { $0.goAwayWritten = true }
    }

    /// Waits, at most `timeout`, until the `go_away` is written or the connection is closed.
    ///
    /// A call that arrives once the connection is draining or closing is refused `UNAVAILABLE` without running, and
    /// the client may retry it on a new connection because its id is above the `go_away`'s last call id. The
    /// refusal must not reach the wire first: a client reading it before the `go_away` cannot tell it from an
    /// `UNAVAILABLE` of a call that ran. The read loop decides to refuse as soon as the state says draining, while
    /// the task that set that state may not have written the `go_away` yet.
    func awaitGoAway(timeout: Duration) async {
        let deadline = ContinuousClock.now + timeout
        while !state.withLock({ $0.goAwayWritten }), ContinuousClock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(1))
        }
    }

    /// Closes the channel now.
    func close() {
        state.withLock { $0.goAwayWritten = true }
        io.withLock { $0.channel }?.close(promise: nil)
    }

    /// The channel, once attached.
    var channel: (any Channel)? { io.withLock { $0.channel } }

    /// Notes that a frame arrived.
    func touch(now: ContinuousClock.Instant = .now) {
        state.withLock { $0.lastActivity = now }
    }

    /// Notes that the read loop serves the connection from now on: calls may be answered on the event loop.
    func startServing() {
        state.withLock { $0.isServing = true }
    }

    /// How many call frames the read loop has taken (registered or refused): the ``EventLoopResponder`` counts those
    /// it passed on, and the difference is what still waits for the read loop. Counted after the call is
    /// registered, so the event loop never sees an earlier call with its id as neither queued nor in flight.
    private let takenCalls = Atomic<Int>(0)

    /// The number of call frames the read loop has taken so far.
    var callsTaken: Int { takenCalls.load(ordering: .acquiring) }

    /// Admits a new call taken by the read loop, or says why not.
    func register(_ id: UInt64, limit: Int) -> Admission {
        defer { takenCalls.add(1, ordering: .releasing) }
        return state.withLock { state in
            if state.inFlight[id] != nil {
                return .duplicate
            }
            if state.isDraining || state.isClosing {
                return .draining
            }
            state.lastCallID = id
            if state.activeCalls >= limit {
                return .overLimit
            }
            let cancellation = CallCancellation()
            state.inFlight[id] = cancellation
            state.activeCalls += 1
            return .accepted(cancellation)
        }
    }

    /// Admits a call answered on the event loop, or returns `false` to hand it to the read loop: before the read
    /// loop runs, when its id is in flight or queued for the read loop (a duplicate the read loop will refuse in
    /// order), at the in-flight limit (counting the calls queued for the read loop), or draining.
    ///
    /// The call becomes the last call id for a `go_away` only when no earlier call waits for the read loop: a
    /// `go_away` promises to answer every call up to its last call id in the client's order, and the read loop
    /// refuses, once draining, the calls it has not registered yet.
    ///
    /// - Parameters:
    ///   - id: The call's id.
    ///   - limit: The connection's limit of calls in flight.
    ///   - queuedCalls: Call frames passed on to the read loop and not taken yet.
    ///   - idIsQueued: Whether one of those has the call's id.
    func registerOnEventLoop(_ id: UInt64, limit: Int, queuedCalls: Int, idIsQueued: Bool) -> Bool {
        state.withLock { state in
            guard state.isServing, !state.isDraining, !state.isClosing, !idIsQueued,
                state.activeCalls + queuedCalls < limit, state.inFlight[id] == nil
            else { return false }
            if queuedCalls == 0 {
                state.lastCallID = id
            }
            state.inFlight[id] = CallCancellation()
            state.activeCalls += 1
            return true
        }
    }

    /// Releases a call's id just before its reply is written, so a client that reuses the id as soon as the reply
    /// arrives is not taken for a duplicate. The call still counts against the limit until ``finish()``.
    func releaseID(_ id: UInt64) {
        state.withLock { _ = $0.inFlight.removeValue(forKey: id) }
    }

    /// Ends a call whose reply has been written (or could not be): frees its slot under the in-flight limit.
    func finish(now: ContinuousClock.Instant = .now) {
        state.withLock { state in
            state.activeCalls -= 1
            state.lastActivity = now
        }
    }

    /// Fires the cancel signal of a call in flight; ignored for an id not in flight.
    func cancel(_ id: UInt64) {
        state.withLock { $0.inFlight[id] }?.fire()
    }

    /// The id of the last call received, for `go_away`.
    var lastCallID: UInt64 { state.withLock { $0.lastCallID } }

    /// The number of calls admitted and not finished (reply write included).
    var callsInFlight: Int { state.withLock { $0.activeCalls } }

    /// Whether the connection is draining or closing (health and new calls look at it).
    var isDraining: Bool { state.withLock { $0.isDraining || $0.isClosing } }

    /// Starts a graceful drain; returns the last call id for the `go_away`, or `nil` when already draining or
    /// closing.
    func beginDraining(now: ContinuousClock.Instant = .now) -> UInt64? {
        state.withLock { state in
            guard !state.isDraining, !state.isClosing else { return nil }
            state.isDraining = true
            // The linger after the go_away counts from here.
            state.lastActivity = now
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

    /// Decides whether the connection has been idle (no call in flight, no frame) for `idleTimeout`, has had no
    /// call authenticated within `unauthenticatedIdleTimeout` of opening, or has made no write progress for
    /// `writeTimeout` while it had replies to deliver. When it closes the connection, it is marked closing in the
    /// same step, so no call slips in.
    ///
    /// - Parameters:
    ///   - idleTimeout: How long a connection may be idle.
    ///   - unauthenticatedIdleTimeout: How long a connection may stay open, from when it opened, before a call on it
    ///     has been authenticated; frames do not extend it.
    ///   - writeTimeout: How long a backlog of replies may go without shrinking.
    ///   - bufferedBytes: The bytes waiting in the channel's outbound buffer now.
    ///   - now: The current instant.
    func supervisorVerdict(
        idleTimeout: Duration,
        unauthenticatedIdleTimeout: Duration,
        writeTimeout: Duration,
        bufferedBytes: Int,
        now: ContinuousClock.Instant = .now
    ) -> SupervisorVerdict {
        state.withLock { state in
            if state.isDraining || state.isClosing {
                return .stop
            }
            // Replies are waiting when bytes sit in the channel's buffer or a write waits for writability; progress
            // is the buffer shrinking. (Concurrent writes can all be accepted before the channel reports itself
            // unwritable, so suspended writes alone would miss a client that stopped reading.)
            let hasBacklog = bufferedBytes > 0 || !state.writesInProgress.isEmpty
            if hasBacklog {
                if let backlog = state.backlog, bufferedBytes >= backlog.bytes {
                    if now - backlog.since >= writeTimeout {
                        state.isClosing = true
                        return .closeStalled
                    }
                    state.backlog = (bufferedBytes, backlog.since)
                } else {
                    state.backlog = (bufferedBytes, now)
                }
            } else {
                state.backlog = nil
            }
            let checkInterval = min(idleTimeout, writeTimeout / 3)
            if state.activeCalls > 0 || hasBacklog {
                return .checkAt(now + checkInterval)
            }
            var due = state.lastActivity + idleTimeout
            if !hasAuthenticatedCall {
                due = min(due, openedAt + unauthenticatedIdleTimeout)
            }
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
