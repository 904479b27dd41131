import Synchronization

/// How many calls each client IP address may have refused before authentication: a token bucket per address,
/// shared by all of that address's connections, so a stranger cannot turn the server into a log and CPU sink by
/// sending calls with no or wrong credentials.
///
/// Buckets that have refilled to capacity carry no information and are dropped once ``minimumPruneSize`` addresses
/// (or twice what the last pruning kept) are tracked, so the table stays about as small as the set of addresses
/// refused recently, and is not scanned at every refusal.
final class AddressThrottle: Sendable {
    /// What ``takeRefusal(from:now:)`` decided.
    enum Verdict: Equatable {
        /// The address had a refusal left.
        case allowed
        /// The address has none: the connection is to be closed. `isFirst` is true for the first such verdict since
        /// the address last had one left, so that only it is logged above debug.
        case exhausted(isFirst: Bool)
    }

    private struct Entry {
        var bucket: TokenBucket
        var exhausted = false
    }

    private struct Table {
        var entries: [String: Entry] = [:]
        var pruneAt = AddressThrottle.minimumPruneSize
    }

    /// Addresses tracked at least before full buckets are dropped.
    static let minimumPruneSize = 4096

    private let capacity: Double
    private let refillPerSecond: Double
    private let table = Mutex(Table())

    /// Creates a throttle that lets each address have `capacity` refusals per `window`.
    ///
    /// - Parameters:
    ///   - capacity: The refusals per address in a burst; below 1 is raised to 1.
    ///   - window: How long the bucket takes to refill from empty.
    init(capacity: Int, window: Duration) {
        self.capacity = Double(max(1, capacity))
        let seconds = Double(window.components.seconds) + Double(window.components.attoseconds) / 1e18
        self.refillPerSecond = seconds > 0 ? self.capacity / seconds : self.capacity
    }

    /// Takes one refusal from the address's bucket. A connection with no address (not an IP socket) shares one
    /// bucket with every other such connection.
    ///
    /// - Parameters:
    ///   - address: The client's IP address.
    ///   - now: The current instant.
    /// - Returns: Whether the address had a refusal left.
    func takeRefusal(from address: String?, now: ContinuousClock.Instant = .now) -> Verdict {
        let key = address ?? ""
        return table.withLock { table in
            if table.entries.count >= table.pruneAt {
                table.entries = table.entries.filter { _, entry in
                    var bucket = entry.bucket
                    return !bucket.isFull(now: now)
                }
                table.pruneAt = max(Self.minimumPruneSize, 2 * table.entries.count)
            }
            var entry =
                table.entries[key]
                ?? Entry(bucket: TokenBucket(capacity: capacity, refillPerSecond: refillPerSecond, now: now))
            defer { table.entries[key] = entry }
            if entry.bucket.tryTake(now: now) {
                entry.exhausted = false
                return .allowed
            }
            defer { entry.exhausted = true }
            return .exhausted(isFirst: !entry.exhausted)
        }
    }
}
