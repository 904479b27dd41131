import Foundation
import Logging
import TesseraWire

extension TesseraServer {
    /// Answers a call to a method registered with ``CallRouter/registerOnEventLoop(_:request:_:)`` where its frame
    /// was decoded, on the connection's event loop: the same checks, reply, metrics and log line as on the read loop,
    /// without waiting behind the frames queued there.
    ///
    /// Only a call that the read loop would accept is answered here; before the read loop runs, a duplicate id (in
    /// flight or queued for the read loop), a connection at its in-flight limit or draining after its `go_away`, the
    /// call takes the read loop's path, which has the one answer to each.
    ///
    /// - Parameters:
    ///   - call: The decoded call.
    ///   - control: The connection's state.
    ///   - queuedCalls: Call frames passed on to the read loop and not taken by it yet.
    ///   - idIsQueued: Whether one of those has this call's id.
    ///   - certificateSubject: Looks up the client certificate's subject (mutual TLS), when authentication needs it.
    ///   - logger: The connection's logger.
    ///   - write: Writes the reply frame (the connection is writable: the caller checked); the caller flushes it.
    /// - Returns: Whether the call was answered; `false` hands it to the read loop.
    func answerOnEventLoop(
        _ call: Tessera_Wire_V1_Call,
        control: ConnectionControl,
        queuedCalls: Int,
        idIsQueued: Bool,
        certificateSubject: () -> String?,
        logger: Logger,
        write: (Tessera_Wire_V1_Frame) -> Void
    ) -> Bool {
        guard let method = MethodCatalog.method(named: call.method),
            case .eventLoop(let handler)? = router.route(for: method)
        else { return false }
        let received = ContinuousClock.now
        control.touch(now: received)
        let limit = configuration.maxCallsInFlightPerConnection
        guard control.registerOnEventLoop(call.id, limit: limit, queuedCalls: queuedCalls, idIsQueued: idIsQueued)
        else {
            return false
        }
        metrics.callStarted(method: call.method)
        let caller: Caller?
        let result: Result<Data, CallError>
        switch admit(call, certificateSubject: certificateSubject(), control: control, logger: logger) {
        case .failure(let error):
            caller = nil
            result = .failure(error)
        case .success(let (admitted, _, _)):
            caller = admitted
            let context = CallContext(
                method: method,
                caller: admitted,
                deadline: received + configuration.timeout(forRequested: call.timeoutMs),
                isServerDraining: isDraining,
                logger: logger
            )
            result = Self.runImmediate(handler, body: call.body, context: context)
        }
        control.releaseID(call.id)
        let (reply, status) = replyFrame(id: call.id, result: result)
        write(reply)
        finished(call, caller: caller, status: status, received: received, control: control, logger: logger)
        return true
    }
}
