import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// Re-reads the callers file into a ``CallerRegistry`` on SIGHUP and when the file's modification time changes.
///
/// A file that no longer parses, or whose mode or owner is refused (writable by group or others, or not owned by
/// the service's user: see ``CallersFile/load(from:)``), is logged as a warning and ignored: the callers loaded
/// before stay in force.
public struct CallersFileWatcher: Service, CustomStringConvertible {
    private let path: String
    private let registry: CallerRegistry
    private let pollInterval: Duration
    private let logger: Logger
    /// The file's modification time when the watcher was made, normally just after the registry was loaded from
    /// it: a change made before `run()` gets going is still seen as a change.
    private let initialModificationDate: Date?

    /// Creates a watcher.
    ///
    /// - Parameters:
    ///   - path: The callers file.
    ///   - registry: The registry to update.
    ///   - pollInterval: How often to look at the file's modification time (default 2 s).
    ///   - logger: Where reloads and failures are reported.
    public init(path: String, registry: CallerRegistry, pollInterval: Duration = .seconds(2), logger: Logger) {
        self.path = path
        self.registry = registry
        self.pollInterval = pollInterval
        self.logger = logger
        self.initialModificationDate = Self.modificationDate(of: path)
    }

    /// The watched path, for service-lifecycle logs.
    public var description: String { "CallersFileWatcher(\(path))" }

    /// Watches until graceful shutdown or cancellation.
    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    for await _ in signals {
                        reload(reason: "SIGHUP")
                    }
                }
                group.addTask {
                    var seen = initialModificationDate
                    while !Task.isCancelled {
                        try? await Task.sleep(for: pollInterval)
                        let current = Self.modificationDate(of: path)
                        if current != seen {
                            seen = current
                            reload(reason: "file changed")
                        }
                    }
                }
            }
        }
    }

    private static func modificationDate(of path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }

    /// Re-reads the file; on any failure (unreadable, mode or owner refused, not parseable, invalid) keeps the
    /// callers in force and logs a warning with the reason.
    ///
    /// - Parameter reason: Why, for the log.
    /// - Returns: Whether the callers were replaced.
    @discardableResult
    func reload(reason: String) -> Bool {
        do {
            try registry.replace(with: CallersFile.load(from: path))
            logger.info("callers reloaded", metadata: ["reason": "\(reason)", "callers": "\(registry.callers.count)"])
            return true
        } catch {
            logger.warning("callers file not reloaded; keeping the previous callers", metadata: ["error": "\(error)"])
            return false
        }
    }
}
