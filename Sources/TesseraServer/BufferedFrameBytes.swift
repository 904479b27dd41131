import Synchronization

/// The bytes of incomplete frames the server holds across all its connections: what a client that starts frames
/// and does not finish them costs, and what must come back to 0 when such connections close.
final class BufferedFrameBytes: Sendable {
    private let bytes = Atomic<Int>(0)

    /// The bytes held now.
    var value: Int { bytes.load(ordering: .relaxed) }

    /// Adds (or, negative, removes) bytes held.
    func add(_ delta: Int) {
        bytes.add(delta, ordering: .relaxed)
    }
}
