import Logging
import NIOCore
import NIOSSL
import Synchronization

/// A fixed number of connection slots, filled lazily, each holding at most one open connection.
///
/// The first call opens every slot's connection; a call goes to the least loaded open connection that still
/// accepts calls. A slot whose connection closed or was told to go away is emptied and reconnected on the next
/// call; a slot whose connection attempt failed waits out a backoff (doubling, with jitter) before the next one.
/// A connection that is going away keeps running outside its slot until the server has answered its calls.
final class ConnectionPool: Sendable {
    private enum Slot {
        case empty(failures: Int, notBefore: NIODeadline?)
        case connecting(EventLoopFuture<ClientConnection>, failures: Int, waiters: Int)
        case ready(ClientConnection)
    }

    private struct State {
        var slots: [Slot]
        var cursor = 0
        var isShutdown = false
        /// Every open connection, in a slot or going away, so that shutdown can close them all.
        var live: [ObjectIdentifier: ClientConnection] = [:]
        /// Why the last connection attempt failed, for the error of calls that find every slot backing off.
        var lastFailure: TesseraClientError?
    }

    private enum Decision {
        case use(ClientConnection)
        case wait(EventLoopFuture<ClientConnection>)
        case backOff(until: NIODeadline, TesseraClientError?)
        case fail(TesseraClientError)
    }

    private let configuration: TesseraClient.Configuration
    private let group: any EventLoopGroup
    private let tls: (context: NIOSSLContext, serverHostname: String?)?
    private let state: Mutex<State>
    private let logger: Logger

    init(
        configuration: TesseraClient.Configuration,
        group: any EventLoopGroup,
        tls: (context: NIOSSLContext, serverHostname: String?)?,
        logger: Logger
    ) {
        self.configuration = configuration
        self.logger = logger
        self.group = group
        self.tls = tls
        let count = max(1, configuration.connections)
        self.state = Mutex(State(slots: Array(repeating: .empty(failures: 0, notBefore: nil), count: count)))
    }

    /// A connection that accepts calls, opening or waiting for one if needed, before `deadline`.
    ///
    /// - Throws: ``TesseraClientError`` with `connectionFailed`, `timedOut`, `cancelled` or `shutdown`.
    func connection(before deadline: NIODeadline) async throws -> ClientConnection {
        while true {
            var toOpen: [(Int, EventLoopPromise<ClientConnection>)] = []
            let decision = self.state.withLock { state in
                self.decide(&state, opening: &toOpen)
            }
            for (slot, promise) in toOpen {
                self.open(slot: slot, promise: promise)
            }
            switch decision {
            case .use(let connection):
                return connection
            case .fail(let error):
                throw error
            case .wait(let future):
                let connection = try await future.value(before: deadline)
                if connection.isAcceptingCalls {
                    return connection
                }
            case .backOff(let until, let lastFailure):
                guard until < deadline else {
                    throw lastFailure
                        ?? TesseraClientError(.connectionFailed, "not connected", method: nil, wasNotSent: true)
                }
                try await Self.sleep(until: until)
            }
        }
    }

    private func decide(_ state: inout State, opening toOpen: inout [(Int, EventLoopPromise<ClientConnection>)])
        -> Decision
    {
        if state.isShutdown {
            return .fail(TesseraClientError(.shutdown, "client is shut down", method: nil, wasNotSent: true))
        }
        let now = NIODeadline.now()
        let count = state.slots.count
        for index in state.slots.indices {
            if case .ready(let connection) = state.slots[index], !connection.isAcceptingCalls {
                // Closed or going away: it finishes its calls outside the slot, which reconnects now.
                state.slots[index] = .empty(failures: 0, notBefore: nil)
            }
        }
        // The least loaded slot, open or opening, counting for an opening one the calls already waiting for it:
        // a burst of calls on a cold pool spreads over every connection instead of piling onto the first one up.
        var best: (index: Int, load: Int)?
        var earliest: NIODeadline?
        for offset in 0..<count {
            let index = (state.cursor + offset) % count
            let load: Int
            switch state.slots[index] {
            case .ready(let connection):
                load = connection.load
            case .connecting(_, _, let waiters):
                load = waiters
            case .empty(let failures, let notBefore):
                if let notBefore, notBefore > now {
                    earliest = min(earliest ?? notBefore, notBefore)
                    continue
                }
                let promise = self.group.next().makePromise(of: ClientConnection.self)
                state.slots[index] = .connecting(promise.futureResult, failures: failures, waiters: 0)
                toOpen.append((index, promise))
                load = 0
            }
            if best == nil || load < (best?.load ?? 0) {
                best = (index, load)
            }
        }
        if let best {
            state.cursor = (best.index + 1) % count
            switch state.slots[best.index] {
            case .ready(let connection):
                return .use(connection)
            case .connecting(let future, let failures, let waiters):
                state.slots[best.index] = .connecting(future, failures: failures, waiters: waiters + 1)
                return .wait(future)
            case .empty:
                break
            }
        }
        return .backOff(until: earliest ?? now, state.lastFailure)
    }

    private func open(slot: Int, promise: EventLoopPromise<ClientConnection>) {
        let opening = ClientConnection.connect(
            host: self.configuration.host,
            port: self.configuration.port,
            tls: self.tls,
            connectTimeout: TimeAmount(self.configuration.connectTimeout),
            maxFrameBytes: self.configuration.maxFrameBytes,
            group: self.group
        )
        opening.whenComplete { result in
            let outcome: Result<ClientConnection, any Error> = self.state.withLock { state in
                guard case .connecting(_, let failures, _) = state.slots[slot] else {
                    return result
                }
                switch result {
                case .success(let connection):
                    if state.isShutdown {
                        _ = connection.close(failingCallsWith: TesseraClientError(.shutdown, "client is shut down"))
                        state.slots[slot] = .empty(failures: 0, notBefore: nil)
                        return .failure(
                            TesseraClientError(.shutdown, "client is shut down", method: nil, wasNotSent: true)
                        )
                    }
                    state.slots[slot] = .ready(connection)
                    state.live[ObjectIdentifier(connection)] = connection
                    state.lastFailure = nil
                    return .success(connection)
                case .failure(let error):
                    state.slots[slot] = .empty(
                        failures: failures + 1, notBefore: NIODeadline.now() + self.backoff(afterFailures: failures + 1)
                    )
                    state.lastFailure = error as? TesseraClientError
                    return .failure(error)
                }
            }
            switch outcome {
            case .success(let connection):
                self.logger.debug("connection opened", metadata: ["slot": "\(slot)"])
                connection.channel.closeFuture.whenComplete { _ in
                    self.logger.debug("connection closed", metadata: ["slot": "\(slot)"])
                    self.closed(connection)
                }
            case .failure(let error):
                self.logger.debug("connection attempt failed", metadata: ["slot": "\(slot)", "error": "\(error)"])
            }
            promise.completeWith(outcome)
        }
    }

    /// Forgets a closed connection, emptying its slot so the next call reconnects.
    private func closed(_ connection: ClientConnection) {
        self.state.withLock { state in
            state.live[ObjectIdentifier(connection)] = nil
            for index in state.slots.indices {
                if case .ready(let held) = state.slots[index], held === connection {
                    state.slots[index] = .empty(failures: 0, notBefore: nil)
                }
            }
        }
    }

    /// The pause after `failures` consecutive failed attempts: the base doubled per failure, capped, with the
    /// upper half of it random so that many clients do not reconnect in step.
    private func backoff(afterFailures failures: Int) -> TimeAmount {
        let base = TimeAmount(self.configuration.reconnectBackoff).nanoseconds
        let cap = TimeAmount(self.configuration.maximumReconnectBackoff).nanoseconds
        let exponent = min(max(failures - 1, 0), 30)
        let full = min(cap, base.multipliedReportingOverflow(by: Int64(1) << exponent).partialValue)
        let half = max(full / 2, 0)
        return .nanoseconds(half + Int64.random(in: 0...max(half, 0)))
    }

    /// Closes every connection and waits until they are closed; calls still waiting fail with `shutdown`. Later
    /// calls fail with `shutdown` too.
    func shutdown() async {
        for closed in self.closeAll() {
            try? await closed.get()
        }
    }

    /// Starts closing every connection, as ``shutdown()`` does, without waiting.
    ///
    /// - Returns: The connections' close futures.
    @discardableResult
    func closeAll() -> [EventLoopFuture<Void>] {
        let connections = self.state.withLock { state in
            state.isShutdown = true
            let connections = Array(state.live.values)
            state.live.removeAll()
            return connections
        }
        let error = TesseraClientError(.shutdown, "client is shut down")
        return connections.map { $0.close(failingCallsWith: error) }
    }

    private static func sleep(until deadline: NIODeadline) async throws {
        let nanoseconds = (deadline - NIODeadline.now()).nanoseconds
        guard nanoseconds > 0 else {
            return
        }
        do {
            try await Task.sleep(for: .nanoseconds(nanoseconds))
        } catch {
            throw TesseraClientError(.cancelled, "cancelled", method: nil, wasNotSent: true)
        }
    }
}
