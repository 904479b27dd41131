import NIOCore
import TesseraWire

/// Watches a connection's bytes ahead of the frame decoder, so that a client cannot hold the server's memory with
/// frames it never finishes: a frame must arrive whole within ``ServerConfiguration/frameCompleteTimeout`` of its
/// first byte, and until a call on the connection has been authenticated its header may announce at most
/// ``ServerConfiguration/unauthenticatedMaxFrameBytes``.
///
/// It only counts: it follows the 4-byte headers to know where each frame ends, and passes every byte on
/// unchanged; the decoder still checks the header against `max_frame_bytes` and parses the body. A violation is
/// raised as a ``WireError`` through `errorCaught`, after the bytes of the frames before it, so the connection's
/// read loop answers it like a decoding error (a `go_away` with the reason, then close); nothing more is passed on.
/// The bytes of the frame being received are counted in a ``BufferedFrameBytes`` gauge shared by the server, and
/// given back when the frame completes or the connection closes.
///
/// Frames are checked against the limit before authentication when their header arrives: a client that needs a
/// larger frame first makes a small call and waits for its reply (see `proto/README.md`).
///
/// The deadline counts only while the server asks for bytes: when the connection's read loop applies backpressure
/// (it has not taken the frames before), the rest of a frame waits in the socket through no fault of the client, and
/// a deadline that fires then is started again.
final class InboundFrameGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let control: ConnectionControl
    private let unauthenticatedMaxFrameBytes: Int
    private let frameCompleteTimeout: TimeAmount
    private let gauge: BufferedFrameBytes
    /// How many bytes of the current frame's header have arrived (0 to 3 between reads), and their value.
    private var headerBytesSeen = 0
    private var header: UInt32 = 0
    /// Body bytes of the current frame still to come, once its header is complete.
    private var bodyBytesRemaining = 0
    /// Bytes of the current, incomplete frame received so far (header included).
    private var currentFrameBytes = 0
    /// What this connection holds in ``gauge`` now.
    private var counted = 0
    /// The current frame's deadline, from its first byte until it is whole.
    private var deadline: Scheduled<Void>?
    /// Set once a violation was raised: later bytes are dropped.
    private var failed = false
    /// Whether the server has asked for more bytes since the last read completed (no backpressure).
    private var readRequested = true

    /// Creates the guard of one connection.
    ///
    /// - Parameters:
    ///   - control: The connection's state, which says whether a call has been authenticated.
    ///   - unauthenticatedMaxFrameBytes: The frame size limit before that.
    ///   - frameCompleteTimeout: How long a frame may take to arrive whole.
    ///   - gauge: The server's count of bytes held in incomplete frames.
    init(
        control: ConnectionControl, unauthenticatedMaxFrameBytes: Int, frameCompleteTimeout: Duration,
        gauge: BufferedFrameBytes
    ) {
        self.control = control
        self.unauthenticatedMaxFrameBytes = unauthenticatedMaxFrameBytes
        self.frameCompleteTimeout = TimeAmount(frameCompleteTimeout)
        self.gauge = gauge
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        let buffer = unwrapInboundIn(data)
        let count = buffer.readableBytes
        var offset = 0
        while offset < count {
            if bodyBytesRemaining > 0 {
                let taken = min(bodyBytesRemaining, count - offset)
                bodyBytesRemaining -= taken
                currentFrameBytes += taken
                offset += taken
                if bodyBytesRemaining == 0 {
                    frameCompleted()
                }
                continue
            }
            let byte = buffer.getInteger(at: buffer.readerIndex + offset, as: UInt8.self) ?? 0
            header = header << 8 | UInt32(byte)
            headerBytesSeen += 1
            currentFrameBytes += 1
            offset += 1
            guard headerBytesSeen == FrameDecoder.headerBytes else { continue }
            let announced = Int(header)
            headerBytesSeen = 0
            header = 0
            if announced > unauthenticatedMaxFrameBytes, !control.hasAuthenticatedCall {
                // The frames before this header go on; this one is refused from its header alone.
                let headerStart = offset - FrameDecoder.headerBytes
                if headerStart > 0, let before = buffer.getSlice(at: buffer.readerIndex, length: headerStart) {
                    context.fireChannelRead(wrapInboundOut(before))
                }
                fail(
                    context: context,
                    WireError(
                        .frameTooLarge,
                        "frame of \(announced) bytes exceeds the limit of \(unauthenticatedMaxFrameBytes) bytes "
                            + "before a call on the connection has been authenticated"
                    )
                )
                return
            }
            bodyBytesRemaining = announced
            if announced == 0 {
                // The decoder refuses it; nothing is pending.
                frameCompleted()
            }
        }
        recount()
        if currentFrameBytes > 0, deadline == nil {
            startDeadline(context: context)
        }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        readRequested = false
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        readRequested = true
        context.read()
    }

    func channelInactive(context: ChannelHandlerContext) {
        release()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        release()
    }

    /// Starts the deadline of a frame that is still incomplete after a read (one that began and ended within the
    /// same read costs no timer). When it fires while the server is not asking for bytes, it starts again.
    private func startDeadline(context: ChannelHandlerContext) {
        let loopBoundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        let timeout = frameCompleteTimeout
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            let context = loopBoundContext.value
            deadline = nil
            guard readRequested else {
                startDeadline(context: context)
                return
            }
            let seconds = Double(timeout.nanoseconds) / 1e9
            fail(context: context, WireError(.frameTimeout, "frame not received whole within \(seconds) s"))
        }
    }

    /// Ends the current frame: its deadline is cancelled and its bytes are no longer pending.
    private func frameCompleted() {
        deadline?.cancel()
        deadline = nil
        currentFrameBytes = 0
    }

    /// Raises a violation and drops everything after it.
    private func fail(context: ChannelHandlerContext, _ error: WireError) {
        guard !failed else { return }
        failed = true
        frameCompleted()
        release()
        context.fireErrorCaught(error)
    }

    /// Brings this connection's share of the gauge to the bytes of its incomplete frame.
    private func recount() {
        let delta = currentFrameBytes - counted
        if delta != 0 {
            gauge.add(delta)
            counted = currentFrameBytes
        }
    }

    /// Gives back this connection's share of the gauge and stops the deadline.
    private func release() {
        deadline?.cancel()
        deadline = nil
        currentFrameBytes = 0
        recount()
    }
}
