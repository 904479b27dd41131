import Logging
import Synchronization

/// A swift-log handler that keeps every line (level, message, metadata and source, rendered) in memory, so tests
/// can check what the server and the client log.
struct CapturingLogHandler: LogHandler {
    /// The lines seen, shared by every copy of the handler.
    final class Store: Sendable {
        private let lines = Mutex<[String]>([])

        func append(_ line: String) {
            lines.withLock { $0.append(line) }
        }

        var all: [String] { lines.withLock { $0 } }
    }

    let store: Store
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    init(store: Store) {
        self.store = store
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let rendered = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        store.append("\(event.level) [\(event.source)] \(event.message) \(rendered)")
    }

    /// A logger at trace level whose lines go to `store`.
    static func logger(_ label: String, store: Store) -> Logger {
        var logger = Logger(label: label, factory: { _ in CapturingLogHandler(store: store) })
        logger.logLevel = .trace
        return logger
    }
}
