import Logging
import NIOCore
import TesseraWire

/// Answers calls to probes (`Health/Check`) on the connection's event loop as their frames are decoded; every other
/// frame goes on to the connection's read loop.
///
/// It sits between the frame codec and the connection's async wrapper. The read loop runs on the Swift cooperative
/// pool, where under a flood (a thousand calls in a burst, each refused in microseconds) a probe's frame waits
/// behind every turn queued before it; a load balancer that sees a slow health check takes a busy but healthy
/// replica out of rotation. Here it is answered on the thread that read it (see
/// ``TesseraServer/answerProbe(_:control:queuedCalls:idIsQueued:certificateSubject:logger:write:)`` for what is
/// checked).
///
/// It counts the call frames it passes on, and notes their ids, here on the event loop without a lock; the read
/// loop counts those it has taken (``ConnectionControl/callsTaken``). The difference is what still waits for the
/// read loop, so a probe never overtakes an earlier call with its id (a client that reuses an id in flight gets its
/// `go_away` whatever the timing) nor the in-flight limit. Nothing is answered here before the read loop runs, nor while the
/// channel is not writable: a client that does not read its replies gets no reply around the async writer's
/// backpressure, and its probes wait with its other calls.
final class ProbeResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = Tessera_Wire_V1_Frame
    typealias InboundOut = Tessera_Wire_V1_Frame
    typealias OutboundOut = Tessera_Wire_V1_Frame

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
    private var pruneAt = ProbeResponder.minimumPruneSize

    /// Creates the responder of one connection.
    ///
    /// - Parameters:
    ///   - server: The server whose router and callers answer probes.
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
        if context.channel.isWritable, server.router.isProbe(call.method) {
            let taken = control.callsTaken
            let pipeline = context.pipeline.syncOperations
            let answered = server.answerProbe(
                call,
                control: control,
                queuedCalls: callsPassedOn - taken,
                idIsQueued: (passedOnIDs[call.id] ?? 0) > taken,
                certificateSubject: { server.certificateSubject(of: control, pipeline: pipeline) },
                logger: logger,
                write: { reply in context.writeAndFlush(wrapOutboundOut(reply), promise: nil) }
            )
            if answered { return }
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

    /// How many ids of calls passed on are kept at least before those the read loop has taken are dropped.
    private static let minimumPruneSize = 1024
}
