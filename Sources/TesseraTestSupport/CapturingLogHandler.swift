import Logging
import Synchronization

/// A swift-log handler that keeps every line (level, source, message, metadata and error, rendered) in memory, so
/// tests can check what the server and the client log, and that no secret is in it.
public struct CapturingLogHandler: LogHandler {
    /// The lines seen, shared by every copy of the handler.
    public final class Store: Sendable {
        private let lines = Mutex<[String]>([])

        /// An empty store.
        public init() {}

        /// Adds a line.
        ///
        /// - Parameter line: The rendered line.
        public func append(_ line: String) {
            lines.withLock { $0.append(line) }
        }

        /// Every line so far, in order.
        public var all: [String] { lines.withLock { $0 } }
    }

    /// Where the lines go.
    public let store: Store
    /// The level below which records are dropped (default trace: every record).
    public var logLevel: Logger.Level = .trace
    /// Metadata added to every record.
    public var metadata: Logger.Metadata = [:]

    /// A handler writing to `store`.
    ///
    /// - Parameter store: Where the lines go.
    public init(store: Store) {
        self.store = store
    }

    /// A metadata value of the handler.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Renders one record as `level [source] message key=value … error`.
    ///
    /// - Parameter event: The record.
    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let rendered = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let error = event.error.map { " error=\($0)" } ?? ""
        store.append("\(event.level) [\(event.source)] \(event.message) \(rendered)\(error)")
    }

    /// A logger at trace level whose lines go to `store`.
    ///
    /// - Parameters:
    ///   - label: The logger's label.
    ///   - store: Where the lines go.
    /// - Returns: The logger.
    public static func logger(_ label: String, store: Store) -> Logger {
        var logger = Logger(label: label, factory: { _ in CapturingLogHandler(store: store) })
        logger.logLevel = .trace
        return logger
    }
}
