/// A token bucket: ``capacity`` tokens at most, refilled at ``refillPerSecond``; each call takes one.
///
/// A value type: ``CallerRegistry`` keeps one per caller behind its lock, ``AddressThrottle`` one per client address.
struct TokenBucket: Sendable {
    let capacity: Double
    let refillPerSecond: Double
    private var tokens: Double
    private var updated: ContinuousClock.Instant

    init(capacity: Double, refillPerSecond: Double, now: ContinuousClock.Instant) {
        self.capacity = max(1, capacity)
        self.refillPerSecond = max(0, refillPerSecond)
        self.tokens = self.capacity
        self.updated = now
    }

    /// Takes one token if there is one.
    mutating func tryTake(now: ContinuousClock.Instant) -> Bool {
        refill(now: now)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    /// Whether the bucket has refilled to its capacity: one in this state can be forgotten and made anew.
    mutating func isFull(now: ContinuousClock.Instant) -> Bool {
        refill(now: now)
        return tokens >= capacity
    }

    private mutating func refill(now: ContinuousClock.Instant) {
        let elapsed = now - updated
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        if seconds > 0 {
            tokens = min(capacity, tokens + seconds * refillPerSecond)
            updated = now
        }
    }
}
