/// How ``SQLiteStore`` opens its database file.
public struct SQLiteStoreConfiguration: Sendable {
    /// The database file; its directory is created on first start (default `./data/tessera.sqlite`).
    public var path: String
    /// How long a statement waits for another process's write lock before failing (default 5 s).
    public var busyTimeout: Duration

    /// Creates a configuration.
    /// - Parameters:
    ///   - path: The database file.
    ///   - busyTimeout: The wait for another process's lock.
    public init(path: String = "./data/tessera.sqlite", busyTimeout: Duration = .seconds(5)) {
        self.path = path
        self.busyTimeout = busyTimeout
    }
}
