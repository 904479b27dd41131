import Logging
import NIOCore
import TesseraWire

/// Answers the calls of methods registered with ``CallRouter/registerOnEventLoop(_:request:_:)`` (`Health/Check`,
/// single seals, opens and rewraps) on the connection's event loop as their frames are decoded; every other frame
/// goes on to the connection's read loop.
///
/// It sits between the frame codec and the connection's async wrapper. The read loop runs on the Swift cooperative
/// pool: under a flood (a thousand calls in a burst, each refused in microseconds) a probe's frame waits there
/// behind every turn queued before it, and a load balancer that sees a slow health check takes a busy but healthy
/// replica out of rotation; a seal of 64 bytes costs less than the two thread hops to the read loop and back. Here
/// the call is answered on the thread that read it (see
/// ``TesseraServer/answerOnEventLoop(_:control:queuedCalls:idIsQueued:certificateSubject:logger:write:)`` for what
/// is checked), and the replies written during one read are flushed together when it completes.
///
/// It counts the call frames it passes on, and notes their ids, here on the event loop without a lock; the read
/// loop counts those it has taken (``ConnectionControl/callsTaken``). The difference is what still waits for the
/// read loop, so a call answered here never overtakes an earlier call with its id (a client that reuses an id in
/// flight gets its `go_away` whatever the timing) nor the in-flight limit. Nothing is answered here before the read
/// loop runs, nor while the channel is not writable: a client that does not read its replies gets no reply around
/// the async writer's backpressure, and its calls wait with its other calls. At most ``maxAnsweredPerRead`` calls
/// are answered per read, so that a client that pipelines thousands of seals holds the event loop, and the other
/// connections on it, for well under a millisecond at a time; the rest of its burst goes to its read loop.
final class EventLoopResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = Tessera_Wire_V1_Frame
    typealias InboundOut = Tessera_Wire_V1_Frame
    typealias OutboundOut = Tessera_Wire_V1_Frame

    /// The most calls answered here between two read completions.
    static let maxAnsweredPerRead = 64

    private let server: TesseraServer
    private let control: ConnectionControl
    private let logger: Logger
    /// Call frames passed on to the read loop so far.
    private var callsPassedOn = 0
    /// The ids of call frames passed on, each with its position among them (1-based); positions up to
    /// ``ConnectionControl/callsTaken`` are no longer queued, and are dropped from time to time.
    private var passedOnIDs: [UInt64: Int] = [:]
    /// The size of `passedOnIDs` at which it is pruned next: twice what the last pruning kept, so a long queue
    /// is not scanned at every frame.
    private var pruneAt = EventLoopResponder.minimumPruneSize
    /// Calls answered here since the last read completed; their replies are written, not yet flushed.
    private var answeredThisRead = 0

    /// Creates the responder of one connection.
    ///
    /// - Parameters:
    ///   - server: The server whose router and callers answer the calls.
    ///   - control: The connection's state, shared with its read loop.
    ///   - logger: The connection's logger, for the one line per call.
    init(server: TesseraServer, control: ConnectionControl, logger: Logger) {
        self.server = server
        self.control = control
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .call(let call) = unwrapInboundIn(data).kind else {
            context.fireChannelRead(data)
            return
        }
        if answeredThisRead < Self.maxAnsweredPerRead, context.channel.isWritable,
            server.router.isAnsweredOnEventLoop(call.method)
        {
            let taken = control.callsTaken
            let pipeline = context.pipeline.syncOperations
            let answered = server.answerOnEventLoop(
                call,
                control: control,
                queuedCalls: callsPassedOn - taken,
                idIsQueued: (passedOnIDs[call.id] ?? 0) > taken,
                certificateSubject: { server.certificateSubject(of: control, pipeline: pipeline) },
                logger: logger,
                write: { reply in context.write(wrapOutboundOut(reply), promise: nil) }
            )
            if answered {
                answeredThisRead += 1
                if let lastCallID = control.takeThrottled() {
                    // The address ran out of refusals before authentication: the reply, a go_away, then close.
                    let channel = context.channel
                    context.writeAndFlush(wrapOutboundOut(TesseraServer.throttledGoAway(lastCallID: lastCallID)))
                        .whenComplete { _ in channel.close(promise: nil) }
                    answeredThisRead = 0
                }
                return
            }
        }
        callsPassedOn += 1
        passedOnIDs[call.id] = callsPassedOn
        if passedOnIDs.count >= pruneAt {
            let taken = control.callsTaken
            passedOnIDs = passedOnIDs.filter { $0.value > taken }
            pruneAt = max(Self.minimumPruneSize, 2 * passedOnIDs.count)
        }
        context.fireChannelRead(data)
    }

    /// Flushes the replies written during this read, once for all of them.
    func channelReadComplete(context: ChannelHandlerContext) {
        if answeredThisRead > 0 {
            answeredThisRead = 0
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    /// How many ids of calls passed on are kept at least before those the read loop has taken are dropped.
    private static let minimumPruneSize = 1024
}
