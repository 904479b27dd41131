import Foundation
import Synchronization
import Testing

@testable import TesseraServer

/// The race between a suspending call's handler, its deadline and the client's `cancel`: the first end is the only
/// one answered, whichever thread it comes from and whether or not the call's task waits yet.
@Suite("Call race", .timeLimit(.minutes(1)))
struct CallRaceTests {
    @Test("The first end wins; later ends are ignored")
    func firstEndWins() async {
        let race = CallRace()
        race.end(.deadlineExceeded)
        race.end(.finished(.success(Data([1]))))
        race.end(.cancelled)
        guard case .deadlineExceeded = await race.winner() else {
            Issue.record("the first end did not win")
            return
        }
    }

    @Test("A waiting task is resumed by an end from another thread")
    func waiterResumed() async {
        let race = CallRace()
        let waiter = Task { await race.winner() }
        // Let the waiter park, then end the race from a thread outside the cooperative pool.
        try? await Task.sleep(for: .milliseconds(20))
        Thread.detachNewThread { race.end(.finished(.success(Data([7])))) }
        guard case .finished(.success(let body)) = await waiter.value else {
            Issue.record("the waiter did not get the handler's result")
            return
        }
        #expect(body == Data([7]))
    }

    @Test("Cancelling the waiting task ends the race as cancelled, and the handler's later result is dropped")
    func cancelledWaiter() async {
        let race = CallRace()
        let waiter = Task { await race.winner() }
        waiter.cancel()
        guard case .cancelled = await waiter.value else {
            Issue.record("a cancelled waiter did not end the race as cancelled")
            return
        }
        race.end(.finished(.success(Data([1]))))
        guard case .cancelled = await race.winner() else {
            Issue.record("a result after the cancel replaced it")
            return
        }
    }

    @Test("Many threads end one race at once: exactly one outcome, the same for every reader")
    func concurrentEnds() async {
        // Rounds until 200 are done or 5 s have passed, at least 20: each round hops through the cooperative pool a
        // few times, and a loaded run of the whole suite on 2 cores stretched 200 rounds past the time limit.
        let end = ContinuousClock.now + .seconds(5)
        var rounds = 0
        while rounds < 20 || (rounds < 200 && ContinuousClock.now < end) {
            rounds += 1
            let race = CallRace()
            let waiter = Task { await race.winner() }
            // The three ends run on threads of their own, released together, never on the cooperative pool or
            // dispatch's worker threads (which that pool shares): blocking those for 200 rounds starved the rest of
            // a loaded test run past the time limit, first with the ends on the pool, then with concurrentPerform.
            let ends: [CallRace.Outcome] = [.finished(.success(Data())), .deadlineExceeded, .cancelled]
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                let start = DispatchSemaphore(value: 0)
                let left = Mutex(ends.count)
                for outcome in ends {
                    Thread.detachNewThread {
                        start.wait()
                        race.end(outcome)
                        if left.withLock({ count in
                            count -= 1
                            return count == 0
                        }) {
                            done.resume()
                        }
                    }
                }
                for _ in ends { start.signal() }
            }
            let first = await waiter.value
            let again = await race.winner()
            #expect(Self.label(first) == Self.label(again))
        }
    }

    @Test("A cancel observed after it fired runs its observer at once, and only once")
    func cancellationObservedLate() {
        let cancellation = CallCancellation()
        let count = Counter()
        cancellation.fire()
        cancellation.onFire { count.add() }
        cancellation.fire()
        #expect(count.value == 1)
    }

    @Test("A cancel fired after it is observed runs its observer once, however often it fires")
    func cancellationObservedEarly() {
        let cancellation = CallCancellation()
        let count = Counter()
        cancellation.onFire { count.add() }
        #expect(count.value == 0)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in cancellation.fire() }
        #expect(count.value == 1)
    }

    private static func label(_ outcome: CallRace.Outcome) -> String {
        switch outcome {
        case .finished: "finished"
        case .deadlineExceeded: "deadline"
        case .cancelled: "cancelled"
        }
    }
}

/// A thread-safe count of observer runs.
private final class Counter: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
