import Synchronization

/// Counts the data keys a master key version wraps (one AES-GCM encryption with a random 96-bit nonce each), so
/// that the keyring can warn and rotate long before the usage limit of NIST SP 800-38D (2^32 invocations of a key
/// with random nonces).
///
/// One atomic add per wrap, no lock; the keyring takes the count now and then (``take()``) and adds it to the
/// version's stored total, so counts survive restarts and are summed across replicas.
public final class WrapCounter: Sendable {
    private let count = Atomic<Int64>(0)

    /// Creates a counter at zero.
    public init() {}

    /// Counts one wrap.
    func increment() {
        count.add(1, ordering: .relaxed)
    }

    /// The wraps counted since the last ``take()``.
    public var pending: Int64 {
        count.load(ordering: .relaxed)
    }

    /// Returns the wraps counted since the last call and starts again from zero.
    ///
    /// - Returns: The count.
    public func take() -> Int64 {
        count.exchange(0, ordering: .relaxed)
    }

    /// Puts back a count that could not be stored, so it is added the next time.
    ///
    /// - Parameter value: The count returned by ``take()``.
    public func restore(_ value: Int64) {
        count.add(value, ordering: .relaxed)
    }
}
