import NIOCore
import Synchronization

extension EventLoopFuture where Value: Sendable {
    /// Waits for the future's value, giving up at `deadline` or when the task is cancelled.
    ///
    /// Giving up does not cancel the work behind the future; its result is then dropped.
    ///
    /// - Throws: The future's error, or ``TesseraClientError`` with `timedOut` or `cancelled`.
    func value(before deadline: NIODeadline) async throws -> Value {
        let once = ResumeOnce<Value>()
        let eventLoop = self.eventLoop
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
                once.install(continuation)
                let timer = eventLoop.scheduleTask(deadline: deadline) {
                    once.resume(
                        with: .failure(
                            TesseraClientError(
                                .timedOut, "deadline passed while connecting", method: nil, wasNotSent: true
                            )
                        )
                    )
                }
                self.whenComplete { result in
                    timer.cancel()
                    once.resume(with: result)
                }
            }
        } onCancel: {
            once.resume(with: .failure(TesseraClientError(.cancelled, "cancelled", method: nil, wasNotSent: true)))
        }
    }
}

/// A continuation resumed by whichever of several racing events comes first, and only by it; an event that comes
/// before the continuation is installed is kept and delivered on installation.
private final class ResumeOnce<Value: Sendable>: Sendable {
    private enum State {
        case waiting
        case installed(CheckedContinuation<Value, any Error>)
        case early(Result<Value, any Error>)
        case done
    }

    private let state = Mutex<State>(.waiting)

    func install(_ continuation: CheckedContinuation<Value, any Error>) {
        let early: Result<Value, any Error>? = self.state.withLock { state in
            if case .early(let result) = state {
                state = .done
                return result
            }
            state = .installed(continuation)
            return nil
        }
        if let early {
            continuation.resume(with: early)
        }
    }

    func resume(with result: Result<Value, any Error>) {
        let continuation: CheckedContinuation<Value, any Error>? = self.state.withLock { state in
            switch state {
            case .waiting:
                state = .early(result)
                return nil
            case .installed(let continuation):
                state = .done
                return continuation
            case .early, .done:
                return nil
            }
        }
        continuation?.resume(with: result)
    }
}
