import Logging
import NIOConcurrencyHelpers

/// A swift-log handler that keeps every record, message and metadata rendered to text, at every level.
struct CapturingLogHandler: LogHandler {
    /// The rendered records, shared by every copy of the handler.
    final class Store: Sendable {
        private let lines = NIOLockedValueBox<[String]>([])

        func append(_ line: String) {
            self.lines.withLockedValue { $0.append(line) }
        }

        var all: [String] {
            self.lines.withLockedValue { $0 }
        }
    }

    let store: Store
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = self.metadata.merging(event.metadata ?? [:]) { $1 }
        self.store.append(
            "\(event.level) \(event.message) \(merged) \(event.source) \(event.error.map { "\($0)" } ?? "")")
    }
}
