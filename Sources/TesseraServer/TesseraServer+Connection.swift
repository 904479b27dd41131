import Foundation
import Logging
import NIOCore
import NIOSSL
import TesseraObservability
import TesseraWire

extension TesseraServer {
    /// Serves one connection until the client closes it, a protocol error, the idle timeout or a drain closes it.
    func serveConnection(
        _ connection: NIOAsyncChannel<Tessera_Wire_V1_Frame, Tessera_Wire_V1_Frame>,
        control: ConnectionControl
    ) async {
        let logger = logger(for: control)
        do {
            try await connection.executeThenClose { inbound, outbound in
                control.attach(channel: connection.channel, outbound: outbound)
                // Accepted as the shutdown began: say so before anything else, then answer what the client already
                // sent `UNAVAILABLE` until it closes or the linger ends, as on every draining connection.
                let drainingFromStart = isDraining
                if drainingFromStart {
                    let lastCallID = control.beginDraining() ?? control.lastCallID
                    await control.writeGoAway(
                        Self.goAway(reason: "server shutting down", lastCallID: lastCallID),
                        timeout: Self.goAwayWriteTimeout
                    )
                } else {
                    control.startServing()
                }
                await withDiscardingTaskGroup { group in
                    if drainingFromStart {
                        group.addTask { await self.lingerThenClose(control) }
                    } else {
                        group.addTask { await self.superviseIdle(control, logger: logger) }
                    }
                    do {
                        var sinceYield = 0
                        for try await frame in inbound {
                            control.touch()
                            // A client that sends a burst (a thousand calls in one read) would otherwise be served
                            // to the end of it before any other connection's read loop runs on the same thread.
                            sinceYield += 1
                            if sinceYield == Self.framesPerTurn {
                                sinceYield = 0
                                await Task.yield()
                            }
                            switch frame.kind {
                            case .call(let call):
                                try await accept(call, control: control, logger: logger, group: &group)
                                if let lastCallID = control.takeThrottled() {
                                    await control.writeGoAway(
                                        Self.throttledGoAway(lastCallID: lastCallID), timeout: Self.goAwayWriteTimeout)
                                    control.close()
                                }
                            case .cancel(let cancel):
                                control.cancel(cancel.id)
                            case .ping(let ping):
                                var pong = Tessera_Wire_V1_Pong()
                                pong.payload = ping.payload
                                var reply = Tessera_Wire_V1_Frame()
                                reply.kind = .pong(pong)
                                await control.write(reply)
                            case .pong, .reply, .goAway, nil:
                                // The decoder lets only call, cancel, ping and pong through; an unsolicited pong
                                // is ignored.
                                break
                            }
                        }
                    } catch let error as WireError {
                        metrics.protocolError(error.code)
                        let lastCallID = control.beginClosing()
                        logger.notice(
                            "protocol error; closing connection",
                            metadata: ["error": "\(error.code)", "reason": "\(error.message)"]
                        )
                        await control.writeGoAway(
                            error.goAwayFrame(lastCallID: lastCallID), timeout: Self.goAwayWriteTimeout)
                        control.close()
                    } catch {
                        logger.debug("connection ended", metadata: ["error": "\(error)"])
                    }
                    // The client is gone or the connection is closing: nothing more can be answered.
                    control.markEnded()
                    group.cancelAll()
                }
            }
        } catch {
            logger.debug("connection closed with an error", metadata: ["error": "\(error)"])
        }
    }

    /// Frames a connection's read loop handles before it lets other tasks (other connections) run.
    static let framesPerTurn = 16

    /// How long a `go_away` sent before closing may wait for a client that does not read.
    static let goAwayWriteTimeout: Duration = .seconds(1)

    /// The `go_away` of a connection closed because its address ran out of refusals before authentication.
    static func throttledGoAway(lastCallID: UInt64) -> Tessera_Wire_V1_Frame {
        goAway(reason: "too many calls refused before authentication from this address", lastCallID: lastCallID)
    }

    /// Registers a new call and answers it on the read loop when it can (refused, or a handler that never
    /// suspends), or starts its task.
    private func accept(
        _ call: Tessera_Wire_V1_Call,
        control: ConnectionControl,
        logger: Logger,
        group: inout DiscardingTaskGroup
    ) async throws {
        let received = ContinuousClock.now
        switch control.register(call.id, limit: configuration.maxCallsInFlightPerConnection) {
        case .duplicate:
            throw WireError(.duplicateCallID, "call id \(call.id) is already in flight")
        case .overLimit:
            let error = CallError(
                .resourceExhausted,
                "too many calls in flight on this connection (limit \(configuration.maxCallsInFlightPerConnection))"
            )
            await control.write(Self.reply(id: call.id, status: error.status))
            logCall(call.method, caller: nil, status: error.code, duration: .now - received, logger: logger)
        case .draining:
            let error = CallError(.unavailable, "server is going away; retry on a new connection")
            await control.awaitGoAway(timeout: Self.goAwayWriteTimeout)
            await control.write(Self.reply(id: call.id, status: error.status))
            logCall(call.method, caller: nil, status: error.code, duration: .now - received, logger: logger)
        case .accepted(let cancellation):
            metrics.callStarted(method: call.method)
            switch await dispatch(call, received: received, control: control, logger: logger) {
            case .answered:
                break
            case .spawn(let context, let handler):
                group.addTask {
                    await self.serve(
                        call, context: context, handler: handler, received: received, cancellation: cancellation,
                        control: control, logger: logger)
                }
            }
        }
    }

    /// Closes the connection with a `go_away` once it has had no call in flight and no frame for the idle timeout,
    /// and without one when its replies have made no progress for the write timeout (a client that does not read).
    private func superviseIdle(_ control: ConnectionControl, logger: Logger) async {
        while !Task.isCancelled {
            let buffered = try? await control.channel?.getOption(.bufferedWritableBytes).get()
            let verdict = control.supervisorVerdict(
                idleTimeout: configuration.idleTimeout,
                unauthenticatedIdleTimeout: configuration.unauthenticatedIdleTimeout,
                writeTimeout: configuration.writeTimeout,
                bufferedBytes: buffered ?? 0
            )
            switch verdict {
            case .stop:
                return
            case .closeIdle(let lastCallID):
                logger.debug("closing idle connection")
                await control.writeGoAway(
                    Self.goAway(reason: "idle", lastCallID: lastCallID),
                    timeout: Self.goAwayWriteTimeout
                )
                control.close()
                return
            case .closeStalled:
                logger.notice("closing connection: the client has not read its replies within the write timeout")
                control.close()
                return
            case .checkAt(let instant):
                do {
                    try await Task.sleep(until: instant, clock: .continuous)
                } catch {
                    return
                }
            }
        }
    }

    /// Sends a connection its `go_away`, then lets it finish as ``lingerThenClose(_:)`` says.
    func drain(_ control: ConnectionControl) async {
        guard let lastCallID = control.beginDraining() else { return }
        await control.writeGoAway(
            Self.goAway(reason: "server shutting down", lastCallID: lastCallID),
            timeout: configuration.shutdownGracePeriod
        )
        await lingerThenClose(control)
    }

    /// Keeps a connection that was sent its shutdown `go_away` open while its calls in flight finish and, after
    /// that, until it has received nothing for ``ServerConfiguration/goAwayLinger`` (the calls the client sent before
    /// it read the `go_away` are answered `UNAVAILABLE` by its read loop meanwhile); then closes it. The client
    /// closing its side ends it at once, and the grace period bounds it.
    func lingerThenClose(_ control: ConnectionControl) async {
        let deadline = drainDeadline
        while !Task.isCancelled, !control.hasEnded {
            let now = ContinuousClock.now
            if now >= deadline { break }
            if control.callsInFlight == 0, now - control.lastActivity >= configuration.goAwayLinger { break }
            try? await Task.sleep(for: .milliseconds(5))
        }
        control.close()
    }

    /// The client certificate's subject common name, looked up once per connection (mutual TLS only).
    func certificateSubject(of control: ConnectionControl) async -> String? {
        guard configuration.tls?.requiresClientCertificate == true else { return nil }
        if let cached = control.certificateSubject {
            return cached
        }
        guard let channel = control.channel else { return nil }
        let subject = try? await channel.eventLoop.submit {
            self.certificateSubject(of: control, pipeline: channel.pipeline.syncOperations)
        }.get()
        return subject ?? nil
    }

    /// The client certificate's subject common name, looked up once per connection (mutual TLS only); on the
    /// connection's event loop.
    func certificateSubject(of control: ConnectionControl, pipeline: ChannelPipeline.SynchronousOperations) -> String? {
        guard configuration.tls?.requiresClientCertificate == true else { return nil }
        if let cached = control.certificateSubject {
            return cached
        }
        let der = try? pipeline.handler(type: NIOSSLServerHandler.self).peerCertificate?.toDERBytes()
        let subject = der.flatMap { $0 }.flatMap { CertificateSubject.commonName(fromDER: $0) }
        control.certificateSubject = .some(subject)
        return subject
    }

    /// A `reply` frame.
    static func reply(id: UInt64, status: Tessera_Wire_V1_Status, body: Data = Data()) -> Tessera_Wire_V1_Frame {
        var reply = Tessera_Wire_V1_Reply()
        reply.id = id
        reply.status = status
        reply.body = body
        var frame = Tessera_Wire_V1_Frame()
        frame.kind = .reply(reply)
        return frame
    }

    /// The one log line of a call: method (or `unknown`), caller id, status and duration; never bodies or
    /// metadata. At debug: one line per call at `info` would let any client, authenticated or not, flood the log.
    func logCall(_ method: String, caller: Caller?, status: StatusCode, duration: Duration, logger: Logger) {
        let milliseconds =
            Double(duration.components.seconds) * 1000
            + Double(duration.components.attoseconds) / 1e15
        logger.debug(
            "call",
            metadata: [
                "method": "\(metrics.methodLabel(for: method))",
                "caller": "\(caller?.id ?? "-")",
                "status": "\(status)",
                "duration_ms": "\((milliseconds * 1000).rounded() / 1000)",
            ]
        )
    }
}
