import ArgumentParser
import Foundation
import Logging
import TesseraStore
import TesseraStorePostgres
import TesseraStoreSQLite

/// Which database the command works on: PostgreSQL by URL, else the embedded SQLite file.
struct StoreOptions: ParsableArguments {
    @Option(
        name: .customLong("database-url"),
        help: ArgumentHelp(
            "A PostgreSQL URL, postgres://user:password@host:port/db?sslmode=… (default: $DATABASE_URL; "
                + "without either, the embedded SQLite file).",
            valueName: "url"
        )
    )
    var databaseURL: String?

    @Option(
        name: .customLong("sqlite-path"),
        help: ArgumentHelp(
            "The embedded SQLite database file, created on first use (default ./data/tessera.sqlite).",
            valueName: "path"
        )
    )
    var sqlitePath: String?

    /// The embedded SQLite file used when there is no PostgreSQL URL.
    var resolvedSQLitePath: String { sqlitePath ?? "./data/tessera.sqlite" }

    /// A short description of the chosen database that holds no password, for logs.
    var displayName: String {
        guard let url = postgresURL else { return "sqlite:\(resolvedSQLitePath)" }
        guard let components = URLComponents(string: url), let host = components.host else { return "postgres" }
        let port = components.port.map { ":\($0)" } ?? ""
        return "postgres://\(host)\(port)\(components.path)"
    }

    /// The PostgreSQL URL chosen by flag or environment, if any.
    var postgresURL: String? {
        if let databaseURL, !databaseURL.isEmpty { return databaseURL }
        if let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty { return url }
        return nil
    }

    /// Opens the store, runs `body`, and shuts the store down.
    func withStore<Result: Sendable>(_ body: (any TesseraStore) async throws -> Result) async throws -> Result {
        var logger = Logger(label: "tessera.store")
        logger.logLevel = .warning
        if let url = postgresURL {
            let configuration = try PostgresStoreConfiguration(url: url, maximumConnections: 4)
            return try await PostgresStore.withStore(configuration: configuration, logger: logger) {
                try await body($0)
            }
        }
        return try await SQLiteStore.withStore(
            configuration: SQLiteStoreConfiguration(path: resolvedSQLitePath), logger: logger
        ) { try await body($0) }
    }

    /// Opens the store after checking its schema is exactly the one this build knows.
    func withCheckedStore<Result: Sendable>(
        _ body: (any TesseraStore) async throws -> Result
    ) async throws -> Result {
        try await withStore { store in
            do {
                try await store.checkSchema()
            } catch let error as StoreError where error.code == .migrationFailed {
                throw InputError("the database schema is not current: run 'tessera migrate' first")
            }
            return try await body(store)
        }
    }
}
