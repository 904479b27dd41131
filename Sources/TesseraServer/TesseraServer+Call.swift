import Foundation
import Logging
import NIOCore
import TesseraObservability
import TesseraWire

extension TesseraServer {
    /// What the read loop does next with an accepted call.
    enum Dispatch {
        /// The call has been answered: refused, or served by a handler that never suspends.
        case answered
        /// The call needs a task of its own, for a handler that suspends.
        case spawn(CallContext, CallRouter.Handler)
    }

    /// Room left in a frame for everything of a reply but its body (id, status, tags and lengths need < 40 bytes).
    private static let replyOverheadBytes = 64

    /// Takes an accepted call as far as it goes without a task of its own: authentication, method lookup,
    /// authorisation, rate limit, the method's early refusal, and the whole call when its handler never suspends.
    ///
    /// Runs on the connection's read loop, so that a refused or short call costs no task: under a flood of calls
    /// that are refused, the server's tasks stay few and other connections' calls are not queued behind them.
    func dispatch(
        _ call: Tessera_Wire_V1_Call,
        received: ContinuousClock.Instant,
        control: ConnectionControl,
        logger: Logger
    ) async -> Dispatch {
        let context: CallContext
        let route: CallRouter.Route
        switch await admit(call, control: control, logger: logger) {
        case .failure(let error):
            await complete(
                call, caller: nil, result: .failure(error), received: received, control: control, logger: logger)
            return .answered
        case .success(let (caller, method, found)):
            context = CallContext(
                method: method,
                caller: caller,
                deadline: received + configuration.timeout(forRequested: call.timeoutMs),
                isServerDraining: isDraining,
                logger: logger
            )
            route = found
        }
        switch route {
        case .immediate(let handler), .eventLoop(let handler):
            let result = Self.runImmediate(handler, body: call.body, context: context)
            await complete(
                call, caller: context.caller, result: result, received: received, control: control, logger: logger)
            return .answered
        case .suspending(let handler, let refusal):
            if let error = refusal?() {
                if router.hashesPasswords(call.method) {
                    // Refused before reaching the hasher, whose own count of rejections misses it.
                    metrics.argon2Rejected()
                }
                await complete(
                    call, caller: context.caller, result: .failure(error), received: received, control: control,
                    logger: logger)
                return .answered
            }
            return .spawn(context, handler)
        }
    }

    /// Serves, in its own task, an admitted call whose handler suspends, and writes its one reply.
    func serve(
        _ call: Tessera_Wire_V1_Call,
        context: CallContext,
        handler: @escaping CallRouter.Handler,
        received: ContinuousClock.Instant,
        cancellation: CallCancellation,
        control: ConnectionControl,
        logger: Logger
    ) async {
        let eventLoop = control.eventLoop ?? eventLoopGroup.any()
        await run(handler, body: call.body, context: context, cancellation: cancellation, eventLoop: eventLoop) {
            result in
            await complete(
                call, caller: context.caller, result: result, received: received, control: control, logger: logger)
        }
    }

    /// Writes the reply of a call, releases its id, and records its metrics and log line.
    func complete(
        _ call: Tessera_Wire_V1_Call,
        caller: Caller?,
        result: Result<Data, CallError>,
        received: ContinuousClock.Instant,
        control: ConnectionControl,
        logger: Logger
    ) async {
        control.releaseID(call.id)
        let (reply, status) = replyFrame(id: call.id, result: result)
        await control.write(reply)
        finished(call, caller: caller, status: status, received: received, control: control, logger: logger)
    }

    /// The reply frame of a finished call and its status; a body too large for a frame becomes
    /// `RESOURCE_EXHAUSTED`.
    func replyFrame(id: UInt64, result: Result<Data, CallError>) -> (Tessera_Wire_V1_Frame, StatusCode) {
        switch result {
        case .success(let body) where body.count > configuration.maxFrameBytes - Self.replyOverheadBytes:
            let error = CallError(.resourceExhausted, "reply is too large for a frame")
            return (Self.reply(id: id, status: error.status), error.code)
        case .success(let body):
            return (Self.reply(id: id, status: Tessera_Wire_V1_Status(.ok), body: body), .ok)
        case .failure(let error):
            return (Self.reply(id: id, status: error.status), error.code)
        }
    }

    /// Ends a call whose reply has been written: frees its slot, records its metrics and its log line.
    func finished(
        _ call: Tessera_Wire_V1_Call,
        caller: Caller?,
        status: StatusCode,
        received: ContinuousClock.Instant,
        control: ConnectionControl,
        logger: Logger
    ) {
        control.finish()
        let duration = ContinuousClock.now - received
        metrics.callFinished(method: call.method, code: status, duration: duration)
        if let hasher, router.hashesPasswords(call.method) {
            observeArgon2(hasher)
        }
        logCall(call.method, caller: caller, status: status, duration: duration, logger: logger)
    }

    /// Authentication, method lookup, authorisation and rate limit, in that order.
    private func admit(
        _ call: Tessera_Wire_V1_Call,
        control: ConnectionControl,
        logger: Logger
    ) async -> Result<(Caller, MethodDescriptor, CallRouter.Route), CallError> {
        admit(call, certificateSubject: await certificateSubject(of: control), control: control, logger: logger)
    }

    /// The metadata bounds, authentication, method lookup, authorisation and rate limit, in that order, for a caller
    /// whose client certificate (mutual TLS only) has the given subject.
    ///
    /// A call refused before authentication (metadata out of bounds, `UNAUTHENTICATED`) takes one refusal from its
    /// address's budget; when there is none left the connection is marked to be closed after the reply. A call that
    /// passes authentication lifts the connection's limits before authentication, before its reply is written.
    func admit(
        _ call: Tessera_Wire_V1_Call,
        certificateSubject subject: String?,
        control: ConnectionControl,
        logger: Logger
    ) -> Result<(Caller, MethodDescriptor, CallRouter.Route), CallError> {
        if let violation = configuration.metadataLimits.violation(in: call.metadata) {
            refusedBeforeAuthentication(control: control, logger: logger)
            return .failure(CallError(.invalidArgument, violation))
        }
        let caller: Caller
        switch callers.authenticate(authorization: call.metadata["authorization"], certificateSubject: subject) {
        case .failure(let error):
            refusedBeforeAuthentication(control: control, logger: logger)
            return .failure(error)
        case .success(let found):
            caller = found
            control.markAuthenticated()
        }
        guard let method = MethodCatalog.method(named: call.method), let route = router.route(for: method) else {
            return .failure(CallError(.unimplemented, "unknown method"))
        }
        guard caller.isAllowed(method) else {
            return .failure(CallError(.permissionDenied, "caller may not call \(method.name)"))
        }
        guard callers.admit(caller) else {
            return .failure(CallError(.resourceExhausted, "rate limit exceeded; retry with back-off"))
        }
        return .success((caller, method, route))
    }

    /// Takes one refusal from the connection's address; when it has none left, marks the connection to be closed.
    /// Logged above debug only the first time an address runs out, so a flood of refusals is not a flood of lines.
    private func refusedBeforeAuthentication(control: ConnectionControl, logger: Logger) {
        switch unauthenticatedThrottle.takeRefusal(from: control.address) {
        case .allowed:
            return
        case .exhausted(let isFirst):
            let level: Logger.Level = isFirst ? .notice : .debug
            logger.log(
                level: level,
                "closing connection: too many calls refused before authentication from its address",
                metadata: [
                    "limit": "\(configuration.maxUnauthenticatedFailuresPerAddress)",
                    "window_seconds": "\(configuration.unauthenticatedFailureWindow.components.seconds)",
                ]
            )
            control.markThrottled()
        }
    }

    /// Runs a handler that never suspends, unless the deadline has passed already; what it returns after the
    /// deadline is not delivered (it cannot be stopped midway).
    static func runImmediate(
        _ handler: CallRouter.ImmediateHandler, body: Data, context: CallContext
    ) -> Result<Data, CallError> {
        let exceeded = CallError(.deadlineExceeded, "deadline exceeded")
        guard ContinuousClock.now < context.deadline else { return .failure(exceeded) }
        let outcome: Result<Data, CallError>
        do {
            outcome = .success(try handler(body, context))
        } catch {
            outcome = .failure(mapped(error, context: context))
        }
        return ContinuousClock.now >= context.deadline ? .failure(exceeded) : outcome
    }

    /// A handler's error as a call's, logged (by type only): at `error` when it is a server fault (`INTERNAL`), at
    /// `debug` when it is an ordinary outcome (a password too long, a full hashing queue, a value that does not open),
    /// which the call's status already reports.
    private static func mapped(_ error: any Error, context: CallContext) -> CallError {
        let mapped = CallError.from(error)
        if !(error is CallError) && !(error is CancellationError) {
            let level: Logger.Level = mapped.code == .internal ? .error : .debug
            context.logger.log(
                level: level, "method failed", metadata: ["error": "\(type(of: error))", "status": "\(mapped.code)"])
        }
        return mapped
    }

    /// A handler's result as a call's: its error mapped to a status, and logged (by type only) when unexpected.
    private static func result(
        of context: CallContext, _ body: () async throws -> Data
    ) async -> Result<Data, CallError> {
        do {
            return .success(try await body())
        } catch {
            return .failure(mapped(error, context: context))
        }
    }

    /// Runs the handler raced against the deadline and the client's cancel.
    ///
    /// The first to end the ``CallRace`` decides the outcome, which `deliver` answers at once; the handler is then
    /// cancelled if it is still running. A handler that cannot stop at once (an Argon2 computation already on a
    /// worker) finishes afterwards, and its result is dropped. The deadline is a callback scheduled on the
    /// connection's event loop (no promise: cancelling it costs the loop no task), removed when the call ends first,
    /// so a call leaves no timer behind.
    private func run(
        _ handler: @escaping CallRouter.Handler,
        body: Data,
        context: CallContext,
        cancellation: CallCancellation,
        eventLoop: any EventLoop,
        deliver: (Result<Data, CallError>) async -> Void
    ) async {
        let race = CallRace()
        cancellation.onFire { race.end(.cancelled) }
        let remaining = context.deadline - .now
        let timer: NIOScheduledCallback?
        if remaining <= .zero {
            race.end(.deadlineExceeded)
            timer = nil
        } else {
            // Only a loop that is shutting down refuses a callback; its connection is closing, and nothing more
            // will be answered on it.
            timer = try? eventLoop.scheduleCallback(
                at: .now() + TimeAmount(remaining), handler: CallRace.DeadlineCallback(race: race))
            if timer == nil {
                race.end(.cancelled)
            }
        }
        await withDiscardingTaskGroup { group in
            // A call cancelled before its task ran, or already past its deadline, does not start its handler.
            if !race.hasEnded {
                group.addTask {
                    race.end(.finished(await Self.result(of: context) { try await handler(body, context) }))
                }
            }
            let first = await race.winner()
            timer?.cancel()
            group.cancelAll()
            switch first {
            case .finished(let result): await deliver(result)
            case .deadlineExceeded: await deliver(.failure(CallError(.deadlineExceeded, "deadline exceeded")))
            case .cancelled: await deliver(.failure(CallError(.cancelled, "call cancelled")))
            }
        }
    }
}
