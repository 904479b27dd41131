import Synchronization
import TesseraStore

/// What a ``KeyringManager`` learnt about its store the last times it read it (at start and on every poll): the
/// basis of the `store` component of a health check, kept without any extra query.
public struct StoreContact: Sendable, Hashable {
    /// Whether the store answers, as judged by ``KeyringManager/storeContact(staleAfter:now:)``.
    public enum Verdict: Sendable, Hashable {
        /// The last read succeeded, recently enough.
        case reachable
        /// The last read failed, or no read has succeeded for too long; `reason` never holds a secret.
        case unreachable(reason: String)
    }

    /// When a read of the store last succeeded.
    public internal(set) var lastSuccess: ContinuousClock.Instant
    /// When a read last failed, if one has failed since the last success.
    public internal(set) var lastFailure: ContinuousClock.Instant?
    /// The kind of that failure: a `StoreError` code name, or `error` for anything else (never its message,
    /// which could quote a connection string).
    public internal(set) var lastFailureKind: String?

    init(lastSuccess: ContinuousClock.Instant) {
        self.lastSuccess = lastSuccess
    }

    mutating func recordSuccess(at instant: ContinuousClock.Instant) {
        lastSuccess = instant
        lastFailure = nil
        lastFailureKind = nil
    }

    mutating func recordFailure(_ error: any Error, at instant: ContinuousClock.Instant) {
        lastFailure = instant
        if let error = error as? StoreError {
            lastFailureKind = "\(error.code)"
        } else if let error = error as? KeyringError, error.code == .storeTimeout {
            lastFailureKind = "timeout"
        } else {
            lastFailureKind = "error"
        }
    }

    /// The verdict at `now`: unreachable when the latest read failed or no read succeeded within `staleAfter`
    /// (a read that hangs shows up this way).
    ///
    /// - Parameters:
    ///   - staleAfter: How old the last success may be.
    ///   - now: The current instant.
    /// - Returns: The verdict.
    public func verdict(staleAfter: Duration, now: ContinuousClock.Instant) -> Verdict {
        if let lastFailureKind {
            return .unreachable(reason: "the last read of the store failed (\(lastFailureKind))")
        }
        let age = now - lastSuccess
        guard age <= staleAfter else {
            return .unreachable(reason: "no successful read of the store for \(Int(age.components.seconds)) s")
        }
        return .reachable
    }
}

/// A ``StoreContact`` shared between the keyring actor and health checks on any thread.
final class ContactBox: Sendable {
    private let state: Mutex<StoreContact>

    init(_ contact: StoreContact) {
        self.state = Mutex(contact)
    }

    func withLock<Result: Sendable>(_ body: (inout StoreContact) -> Result) -> Result {
        state.withLock { body(&$0) }
    }
}

/// The first of a store read and its timeout to finish resumes the waiting caller; the other is ignored.
final class ReadRace: Sendable {
    private let state = Mutex<(continuation: CheckedContinuation<Bool, any Error>?, outcome: Result<Bool, any Error>?)>(
        (nil, nil)
    )

    /// Installs the waiting caller, resuming it at once if an outcome is already there.
    func install(_ continuation: CheckedContinuation<Bool, any Error>) {
        let early = state.withLock { state -> Result<Bool, any Error>? in
            if let outcome = state.outcome { return outcome }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    /// Records an outcome; returns whether it was the first.
    @discardableResult
    func finish(with outcome: Result<Bool, any Error>) -> Bool {
        let (first, continuation) = state.withLock { state -> (Bool, CheckedContinuation<Bool, any Error>?) in
            guard state.outcome == nil else { return (false, nil) }
            state.outcome = outcome
            let continuation = state.continuation
            state.continuation = nil
            return (true, continuation)
        }
        continuation?.resume(with: outcome)
        return first
    }
}
