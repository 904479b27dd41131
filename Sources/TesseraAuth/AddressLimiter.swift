import Foundation
import Synchronization

/// A per-client-address limit on one replica: a token bucket per address, refilled continuously.
///
/// The table is bounded: when it is full, buckets that have refilled completely (which carry no state) are
/// dropped, and if none has, the oldest-touched half is; a flood of new addresses therefore forgets old ones
/// rather than growing without bound.
final class AddressLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: Date
    }

    private let perMinute: Int
    private let maxAddresses: Int
    private let buckets = Mutex<[String: Bucket]>([:])

    /// A limiter allowing `perMinute` calls per address per minute (0: unlimited), bursting to the same number.
    init(perMinute: Int, maxAddresses: Int = 100_000) {
        self.perMinute = perMinute
        self.maxAddresses = maxAddresses
    }

    /// Takes one call's token for `address` at `now`; false when its bucket is empty.
    func admit(_ address: String, at now: Date) -> Bool {
        guard perMinute > 0, !address.isEmpty else { return true }
        let capacity = Double(perMinute)
        let rate = capacity / 60
        return buckets.withLock { table in
            var bucket = table[address] ?? Bucket(tokens: capacity, updated: now)
            bucket.tokens = min(capacity, bucket.tokens + max(0, now.timeIntervalSince(bucket.updated)) * rate)
            bucket.updated = now
            let admitted = bucket.tokens >= 1
            if admitted { bucket.tokens -= 1 }
            if table[address] == nil, table.count >= maxAddresses {
                Self.prune(&table, capacity: capacity, rate: rate, now: now, keeping: maxAddresses / 2)
            }
            table[address] = bucket
            return admitted
        }
    }

    /// Drops the buckets that have refilled (they hold no state); if more than `keeping` remain, keeps only the
    /// `keeping` touched most recently.
    /// How many addresses the table holds now.
    var addressCount: Int { buckets.withLock { $0.count } }

    private static func prune(
        _ table: inout [String: Bucket],
        capacity: Double,
        rate: Double,
        now: Date,
        keeping: Int
    ) {
        table = table.filter { _, bucket in
            bucket.tokens + max(0, now.timeIntervalSince(bucket.updated)) * rate < capacity
        }
        guard table.count > keeping else { return }
        let kept = table.sorted { $0.value.updated > $1.value.updated }.prefix(keeping)
        table = Dictionary(uniqueKeysWithValues: kept.map { ($0.key, $0.value) })
    }
}
