import NIOCore
import NIOTLS
import TesseraWire

/// The last handler of a client connection's pipeline: it owns the table of calls in flight and matches replies to
/// them by id.
///
/// Everything here runs on the channel's event loop, so the table needs no lock. Calls come in through
/// ``start(_:timeout:continuation:)`` and leave through their continuation, resumed exactly once: by the reply, by
/// the local deadline, by a cancellation, by the server's `go_away` (calls it will not run), or by the connection
/// closing. A call abandoned by the client (deadline, cancellation, `go_away`) stays in the table, without its
/// continuation, until the server's reply arrives, because the protocol keeps its id in flight until then.
final class ClientCallHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = Tessera_Wire_V1_Frame
    typealias OutboundIn = Tessera_Wire_V1_Frame
    typealias OutboundOut = Tessera_Wire_V1_Frame

    /// How a call's continuation is typed.
    typealias Continuation = CheckedContinuation<Tessera_Wire_V1_Reply, any Error>

    private struct PendingCall {
        var continuation: Continuation?
        var timer: Scheduled<Void>?
    }

    private let flags: ConnectionFlags
    private let usesTLS: Bool
    private let readyPromise: EventLoopPromise<Void>
    private var context: ChannelHandlerContext?
    private var pending: [UInt64: PendingCall] = [:]
    private var cancelledBeforeStart: Set<UInt64> = []
    private var goAwayLastCallID: UInt64?
    private var isReady = false
    private var readyFailed = false
    private var isClosed = false
    /// The failure given to calls still waiting when the connection closes.
    private var closeError: TesseraClientError?

    /// Succeeds when the connection can carry calls (TCP up and, with TLS, the handshake done); fails when it
    /// closes or breaks before that.
    var ready: EventLoopFuture<Void> { self.readyPromise.futureResult }

    init(flags: ConnectionFlags, usesTLS: Bool, eventLoop: any EventLoop) {
        self.flags = flags
        self.usesTLS = usesTLS
        self.readyPromise = eventLoop.makePromise(of: Void.self)
    }

    // MARK: Calls

    /// Registers a call, arms its deadline and writes its frame.
    func start(_ frame: Tessera_Wire_V1_Frame, id: UInt64, timeout: TimeAmount, continuation: Continuation) {
        guard let context = self.context, !self.isClosed else {
            continuation.resume(
                throwing: self.closeError
                    ?? TesseraClientError(.status(.unavailable), "connection closed", method: nil, wasNotSent: true)
            )
            return
        }
        if self.cancelledBeforeStart.remove(id) != nil {
            continuation.resume(throwing: TesseraClientError(.cancelled, "cancelled", method: nil, wasNotSent: true))
            return
        }
        if self.goAwayLastCallID != nil {
            continuation.resume(
                throwing: TesseraClientError(
                    .status(.unavailable), "connection is going away", method: nil, wasNotSent: true
                )
            )
            return
        }
        let timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            self.abandon(
                id, with: TesseraClientError(.timedOut, "deadline of \(timeout.nanoseconds / 1_000_000) ms passed"))
        }
        self.pending[id] = PendingCall(continuation: continuation, timer: timer)
        let written = context.eventLoop.makePromise(of: Void.self)
        written.futureResult.assumeIsolated().whenFailure { error in
            self.writeFailed(id, error)
        }
        context.writeAndFlush(self.wrapOutboundOut(frame), promise: written)
    }

    /// Gives up on a call because the awaiting task was cancelled.
    func cancel(_ id: UInt64) {
        guard self.pending[id] != nil else {
            // The cancellation raced ahead of the call's start: remember it so the call never goes out. (A
            // cancellation that lands just after the reply also ends up here; such ids are never reused, so the
            // entry is harmless, and the set is dropped with the connection.)
            if !self.isClosed {
                self.cancelledBeforeStart.insert(id)
            }
            return
        }
        self.abandon(id, with: TesseraClientError(.cancelled, "cancelled"))
    }

    /// Resumes a call's continuation with `error`, tells the server with a `cancel`, and keeps the id in flight
    /// until the server's reply arrives.
    private func abandon(_ id: UInt64, with error: TesseraClientError) {
        guard var call = self.pending[id], let continuation = call.continuation else {
            return
        }
        call.continuation = nil
        call.timer?.cancel()
        call.timer = nil
        self.pending[id] = call
        continuation.resume(throwing: error)
        if let context = self.context, !self.isClosed {
            var cancel = Tessera_Wire_V1_Cancel()
            cancel.id = id
            var frame = Tessera_Wire_V1_Frame()
            frame.kind = .cancel(cancel)
            context.writeAndFlush(self.wrapOutboundOut(frame), promise: nil)
        }
    }

    /// A call's frame could not be written, so the server never saw it.
    private func writeFailed(_ id: UInt64, _ error: any Error) {
        guard let call = self.pending.removeValue(forKey: id) else {
            return
        }
        call.timer?.cancel()
        let failure: TesseraClientError
        if let wireError = error as? WireError, wireError.code == .frameTooLarge {
            failure = TesseraClientError(.invalidRequest, "request too large: \(wireError.message)")
        } else if let closeError = self.closeError {
            failure = closeError
        } else {
            failure = TesseraClientError(
                .status(.unavailable), "connection closed before the call was sent", method: nil, wasNotSent: true
            )
        }
        call.continuation?.resume(throwing: failure)
        self.closeIfDrained()
    }

    /// Closes the connection on purpose; calls still waiting fail with `error`.
    func close(failingCallsWith error: TesseraClientError) {
        if self.closeError == nil {
            self.closeError = error
        }
        self.context?.close(promise: nil)
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive {
            self.becameActive()
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.connectionClosed()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        self.becameActive()
        context.fireChannelActive()
    }

    /// Fails the ready promise once: an error is often followed by the close it causes.
    private func failReady(_ error: any Error) {
        if !self.readyFailed {
            self.readyFailed = true
            self.readyPromise.fail(error)
        }
    }

    private func becameActive() {
        if !self.usesTLS && !self.isReady {
            self.isReady = true
            self.readyPromise.succeed()
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tlsEvent = event as? TLSUserEvent, case .handshakeCompleted = tlsEvent, !self.isReady {
            self.isReady = true
            self.readyPromise.succeed()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.connectionClosed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !self.isReady {
            self.failReady(error)
        } else if let wireError = error as? WireError {
            self.closeError = self.closeError ?? TesseraClientError(.protocolViolation, wireError.message)
        } else {
            // TLS and socket errors describe the failure, never the data.
            self.closeError =
                self.closeError ?? TesseraClientError(.status(.unavailable), "connection failed: \(error)")
        }
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = self.unwrapInboundIn(data)
        switch frame.kind {
        case .reply(let reply):
            self.received(reply, context: context)
        case .ping(let ping):
            var pong = Tessera_Wire_V1_Pong()
            pong.payload = ping.payload
            var answer = Tessera_Wire_V1_Frame()
            answer.kind = .pong(pong)
            context.writeAndFlush(self.wrapOutboundOut(answer), promise: nil)
        case .goAway(let goAway):
            self.received(goAway)
        case .pong, .call, .cancel, .none:
            // The decoder admits only server-to-client kinds; an unsolicited pong is ignored.
            break
        }
    }

    private func received(_ reply: Tessera_Wire_V1_Reply, context: ChannelHandlerContext) {
        guard let call = self.pending.removeValue(forKey: reply.id) else {
            self.closeError = TesseraClientError(
                .protocolViolation, "reply to call \(reply.id), which is not in flight")
            context.close(promise: nil)
            return
        }
        call.timer?.cancel()
        call.continuation?.resume(returning: reply)
        self.closeIfDrained()
    }

    private func received(_ goAway: Tessera_Wire_V1_GoAway) {
        let lastCallID = min(goAway.lastCallID, self.goAwayLastCallID ?? .max)
        self.goAwayLastCallID = lastCallID
        self.flags.markDraining()
        for (id, call) in self.pending where id > lastCallID {
            guard let continuation = call.continuation else {
                continue
            }
            call.timer?.cancel()
            // Still in flight for the server, which answers it with UNAVAILABLE; the caller may retry at once.
            self.pending[id] = PendingCall(continuation: nil, timer: nil)
            continuation.resume(
                throwing: TesseraClientError(
                    .status(.unavailable), "server going away (\(goAway.reason))", method: nil, wasNotSent: true
                )
            )
        }
        self.closeIfDrained()
    }

    /// After a `go_away`, closes the connection once every call has been answered.
    private func closeIfDrained() {
        if self.goAwayLastCallID != nil && self.pending.isEmpty && !self.isClosed {
            self.context?.close(promise: nil)
        }
    }

    private func connectionClosed() {
        guard !self.isClosed else {
            return
        }
        self.isClosed = true
        self.flags.markClosed()
        if !self.isReady {
            self.failReady(ChannelError.ioOnClosedChannel)
        }
        let error = self.closeError ?? TesseraClientError(.status(.unavailable), "connection closed")
        let calls = self.pending
        self.pending.removeAll()
        self.cancelledBeforeStart.removeAll()
        for call in calls.values {
            call.timer?.cancel()
            call.continuation?.resume(throwing: error)
        }
    }
}
