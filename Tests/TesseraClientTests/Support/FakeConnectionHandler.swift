import Foundation
import NIOCore
import TesseraWire

/// The server side of one fake connection: it follows the wire contract (replies in any order, exactly one reply
/// per call, `CANCELLED` for a cancelled call still running, `pong` for `ping`, `go_away` then `UNAVAILABLE` for
/// later calls and a close once the earlier ones are answered), and records what it receives.
final class FakeConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = Tessera_Wire_V1_Frame
    typealias OutboundOut = Tessera_Wire_V1_Frame

    let index: Int
    private let log: FakeServerLog
    private let behaviour: FakeServer.Behaviour
    private var context: ChannelHandlerContext?
    /// Calls received and not answered yet.
    private var running: Set<UInt64> = []
    private var lastReceived: UInt64 = 0
    private var goAwayLastCallID: UInt64?
    /// Bodies of calls answered only at `go_away`.
    private var answersAtGoAway: [UInt64: Data] = [:]

    init(index: Int, log: FakeServerLog, behaviour: @escaping FakeServer.Behaviour) {
        self.index = index
        self.log = log
        self.behaviour = behaviour
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data).kind {
        case .call(let call):
            self.received(call, context: context)
        case .cancel(let cancel):
            self.log.record(cancel: cancel.id, connection: self.index)
            if self.running.contains(cancel.id) {
                self.reply(cancel.id, status: Tessera_Wire_V1_Status(.cancelled, "cancelled by the client"))
            }
        case .ping(let ping):
            var pong = Tessera_Wire_V1_Pong()
            pong.payload = ping.payload
            var frame = Tessera_Wire_V1_Frame()
            frame.kind = .pong(pong)
            context.writeAndFlush(self.wrapOutboundOut(frame), promise: nil)
        case .pong(let pong):
            self.log.record(pong: pong.payload)
        default:
            break
        }
    }

    private func received(_ call: Tessera_Wire_V1_Call, context: ChannelHandlerContext) {
        self.log.record(call: call, connection: self.index)
        self.lastReceived = max(self.lastReceived, call.id)
        self.running.insert(call.id)
        if self.goAwayLastCallID != nil {
            self.reply(call.id, status: Tessera_Wire_V1_Status(.unavailable, "server going away"))
            return
        }
        switch self.behaviour(call, self.index) {
        case .reply(let code, let message, let body, let delay):
            let status = Tessera_Wire_V1_Status(code, message)
            if delay == .zero {
                self.reply(call.id, status: status, body: code == .ok ? body : Data())
            } else {
                context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(delay)) {
                    self.reply(call.id, status: status, body: code == .ok ? body : Data())
                }
            }
        case .hold:
            break
        case .holdUntilGoAway(let body):
            self.answersAtGoAway[call.id] = body
        case .closeConnection:
            context.close(promise: nil)
        case .replyUnknownID:
            self.running.remove(call.id)
            var reply = Tessera_Wire_V1_Reply()
            reply.id = call.id + 1_000_000
            reply.status = Tessera_Wire_V1_Status(.ok)
            var frame = Tessera_Wire_V1_Frame()
            frame.kind = .reply(reply)
            context.writeAndFlush(self.wrapOutboundOut(frame), promise: nil)
        }
    }

    /// Answers a running call once; later answers for the same id are dropped.
    private func reply(_ id: UInt64, status: Tessera_Wire_V1_Status, body: Data = Data()) {
        guard let context = self.context, self.running.remove(id) != nil else {
            return
        }
        var reply = Tessera_Wire_V1_Reply()
        reply.id = id
        reply.status = status
        reply.body = body
        var frame = Tessera_Wire_V1_Frame()
        frame.kind = .reply(reply)
        self.log.record(replyTo: id, connection: self.index)
        context.writeAndFlush(self.wrapOutboundOut(frame), promise: nil)
        self.closeIfDrained()
    }

    /// Sends `go_away`; calls received up to `lastCallID` (the last received one by default) still run.
    func goAway(lastCallID: UInt64?, reason: String) {
        guard let context = self.context else {
            return
        }
        let last = lastCallID ?? self.lastReceived
        self.goAwayLastCallID = last
        var goAway = Tessera_Wire_V1_GoAway()
        goAway.reason = reason
        goAway.lastCallID = last
        var frame = Tessera_Wire_V1_Frame()
        frame.kind = .goAway(goAway)
        context.writeAndFlush(self.wrapOutboundOut(frame), promise: nil)
        // Calls the server pretends it had not received yet are refused, as the contract says.
        for id in self.running where id > last {
            self.reply(id, status: Tessera_Wire_V1_Status(.unavailable, "server going away"))
        }
        for (id, body) in self.answersAtGoAway.sorted(by: { $0.key < $1.key }) where id <= last {
            self.reply(id, status: Tessera_Wire_V1_Status(.ok), body: body)
        }
        self.answersAtGoAway.removeAll()
        self.closeIfDrained()
    }

    /// Sends a `ping`.
    func ping(_ payload: Data) {
        var ping = Tessera_Wire_V1_Ping()
        ping.payload = payload
        var frame = Tessera_Wire_V1_Frame()
        frame.kind = .ping(ping)
        self.context?.writeAndFlush(self.wrapOutboundOut(frame), promise: nil)
    }

    /// Closes the connection at once.
    func close() {
        self.context?.close(promise: nil)
    }

    private func closeIfDrained() {
        if self.goAwayLastCallID != nil && self.running.isEmpty {
            self.context?.close(promise: nil)
        }
    }
}
