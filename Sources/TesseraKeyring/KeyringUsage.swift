import Foundation
import Synchronization
import TesseraCrypto

/// How much a master key version has been used: data keys wrapped under it, across every process.
public struct KeyringUsage: Sendable, Hashable {
    /// The active version.
    public let activeVersion: Int
    /// Wraps under the active version: the stored total plus what this process has not stored yet.
    public let activeWraps: Int64
    /// The threshold of the warning.
    public let warnAfterWraps: Int64

    /// Whether the active version is past the warning threshold.
    public var isOverWarning: Bool { activeWraps >= warnAfterWraps }

    /// The fraction of NIST SP 800-38D's 2^32 limit used by the active version.
    public var fractionOfLimit: Double { Double(activeWraps) / Double(KeyringUsagePolicy.nistRandomNonceLimit) }

    /// A one-line warning for health checks and logs, or nil below the threshold; counts only, no key material.
    public var warning: String? {
        guard isOverWarning else { return nil }
        let percent = Int((fractionOfLimit * 100).rounded(.down))
        return "master key version \(activeVersion) has wrapped \(activeWraps) data keys (\(percent)% of the "
            + "NIST SP 800-38D limit of 2^32); rotate it ('tessera keys rotate')"
    }
}

/// The wrap counter of every master key version a manager has loaded, by version number.
final class WrapCounters: Sendable {
    private let counters = Mutex<[Int: WrapCounter]>([:])

    /// The counter of `version`, created at zero on first use.
    func counter(for version: Int) -> WrapCounter {
        counters.withLock { counters in
            if let counter = counters[version] { return counter }
            let counter = WrapCounter()
            counters[version] = counter
            return counter
        }
    }

    /// Takes every counter's pending count (see ``WrapCounter/take()``).
    func takeAll() -> [Int: Int64] {
        let all = counters.withLock { $0 }
        var taken: [Int: Int64] = [:]
        for (version, counter) in all {
            let count = counter.take()
            if count > 0 { taken[version] = count }
        }
        return taken
    }

    /// Puts counts back after a failed store write.
    func restore(_ counts: [Int: Int64]) {
        for (version, count) in counts { counter(for: version).restore(count) }
    }

    /// The pending count of `version`.
    func pending(_ version: Int) -> Int64 {
        counters.withLock { $0[version]?.pending ?? 0 }
    }
}

/// The stored wrap counts and the usage policy, readable from health checks without awaiting the actor.
final class UsageBox: Sendable {
    private struct State {
        var policy = KeyringUsagePolicy()
        var stored: [Int: Int64] = [:]
    }

    private let state = Mutex(State())

    var policy: KeyringUsagePolicy {
        get { state.withLock { $0.policy } }
        set { state.withLock { $0.policy = newValue } }
    }

    func recordStored(_ counts: [Int: Int64]) {
        state.withLock { $0.stored = counts }
    }

    func stored(_ version: Int) -> Int64 {
        state.withLock { $0.stored[version] ?? 0 }
    }
}
