import Synchronization

/// The client's `cancel` for one call in flight: fired once by the connection, observed by the call.
final class CallCancellation: Sendable {
    private struct State {
        var fired = false
        var observer: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())

    /// Fires the signal and runs the observer, if any. Later calls do nothing.
    func fire() {
        let observer = state.withLock { state -> (@Sendable () -> Void)? in
            guard !state.fired else { return nil }
            state.fired = true
            defer { state.observer = nil }
            return state.observer
        }
        observer?()
    }

    /// Runs `body` once when the signal fires, or at once when it has fired already; replaces an earlier observer.
    func onFire(_ body: @escaping @Sendable () -> Void) {
        let firedAlready = state.withLock { state -> Bool in
            if state.fired { return true }
            state.observer = body
            return false
        }
        if firedAlready {
            body()
        }
    }
}
