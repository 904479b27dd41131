import Foundation
import NIOCore
import Synchronization

/// The first of the ways a suspending call can end — its handler's result, its deadline, the client's `cancel` —
/// which alone is answered.
///
/// Each contender calls ``end(_:)`` from wherever it happens (the handler's task, a timer on the event loop, the
/// read loop that took the `cancel`); the call's task waits in ``winner()``. A race costs one lock and one
/// continuation, where racing the three as tasks of a group cost a task each and a sleeping timer per call.
final class CallRace: Sendable {
    /// How a call ended.
    enum Outcome: Sendable {
        case finished(Result<Data, CallError>)
        case deadlineExceeded
        case cancelled
    }

    private struct State {
        var outcome: Outcome?
        var waiter: CheckedContinuation<Outcome, Never>?
    }

    private let state = Mutex(State())

    /// Ends the race with `outcome` unless it has ended already; later calls are ignored.
    func end(_ outcome: Outcome) {
        let waiter = state.withLock { state -> CheckedContinuation<Outcome, Never>? in
            guard state.outcome == nil else { return nil }
            state.outcome = outcome
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: outcome)
    }

    /// Whether the race has an outcome already.
    var hasEnded: Bool { state.withLock { $0.outcome != nil } }

    /// Ends a race as ``Outcome/deadlineExceeded`` when its event-loop timer fires.
    struct DeadlineCallback: NIOScheduledCallbackHandler, Sendable {
        let race: CallRace

        func handleScheduledCallback(eventLoop: some EventLoop) {
            race.end(.deadlineExceeded)
        }
    }

    /// Waits for the first outcome; cancelling the waiting task ends the race as ``Outcome/cancelled``.
    ///
    /// One task at a time may wait.
    func winner() async -> Outcome {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
                let ended = state.withLock { state -> Outcome? in
                    if let outcome = state.outcome { return outcome }
                    state.waiter = continuation
                    return nil
                }
                if let ended {
                    continuation.resume(returning: ended)
                }
            }
        } onCancel: {
            end(.cancelled)
        }
    }
}
