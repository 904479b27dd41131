import ArgumentParser
import Foundation
import Logging
import TesseraCrypto
import TesseraStore
import TesseraStorePostgres
import TesseraStoreSQLite

/// Which database the command works on: PostgreSQL by URL, else the embedded SQLite file.
///
/// The URL holds a password, so besides `--database-url` (visible in `ps` and shell history: for throwaway
/// databases) it can come from a file of mode 0600 (`--database-url-file`, checked like the root key file) or the
/// environment (`TESSERA_DATABASE_URL`, then `DATABASE_URL`).
struct StoreOptions: ParsableArguments {
    @Option(
        name: .customLong("database-url"),
        help: ArgumentHelp(
            "A PostgreSQL URL, postgres://user@host:port/db?sslmode=… . It is visible to other local users in "
                + "argv: for a password prefer --database-url-file or $TESSERA_DATABASE_URL. Default: "
                + "$TESSERA_DATABASE_URL, then $DATABASE_URL; without any, the embedded SQLite file.",
            valueName: "url"
        )
    )
    var databaseURL: String?

    @Option(
        name: .customLong("database-url-file"),
        help: ArgumentHelp(
            "A file (mode 0600, like the root key file) holding the PostgreSQL URL on one line "
                + "(default: $TESSERA_DATABASE_URL_FILE).",
            valueName: "path"
        )
    )
    var databaseURLFile: String?

    @Option(
        name: .customLong("sqlite-path"),
        help: ArgumentHelp(
            "The embedded SQLite database file, created on first use (default ./data/tessera.sqlite).",
            valueName: "path"
        )
    )
    var sqlitePath: String?

    /// The largest database URL file read.
    private static let maxURLFileBytes = 16 << 10

    /// The embedded SQLite file used when there is no PostgreSQL URL.
    var resolvedSQLitePath: String { sqlitePath ?? "./data/tessera.sqlite" }

    /// A short description of the chosen database that holds no password, for logs.
    ///
    /// - Parameter url: The resolved PostgreSQL URL, or `nil` for SQLite.
    func displayName(url: String?) -> String {
        guard let url else { return "sqlite:\(resolvedSQLitePath)" }
        guard let components = URLComponents(string: url), let host = components.host else { return "postgres" }
        let port = components.port.map { ":\($0)" } ?? ""
        return "postgres://\(host)\(port)\(components.path)"
    }

    /// The PostgreSQL URL chosen by flag, file or environment, if any.
    ///
    /// - Throws: ``InputError`` when both a URL and a URL file are given, or the file cannot be used (its mode
    ///   grants anything to group or others, it is empty or unreadable).
    func postgresURL() throws -> String? {
        let environment = ProcessInfo.processInfo.environment
        if let databaseURL, !databaseURL.isEmpty {
            guard databaseURLFile == nil else {
                throw InputError("give --database-url or --database-url-file, not both")
            }
            return databaseURL
        }
        if let path = databaseURLFile ?? environment["TESSERA_DATABASE_URL_FILE"], !path.isEmpty {
            return try Self.readURLFile(path)
        }
        for name in ["TESSERA_DATABASE_URL", "DATABASE_URL"] {
            if let url = environment[name], !url.isEmpty { return url }
        }
        return nil
    }

    /// Reads a database URL file: mode checked like the root key's, one line, surrounding whitespace dropped.
    private static func readURLFile(_ path: String) throws -> String {
        do {
            return try ProtectedFile.read(path, describedAs: "database URL file", maxBytes: maxURLFileBytes) {
                file, bytes in
                try file.require(.secret)
                let url = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                guard !url.isEmpty, !url.contains("\n") else {
                    throw InputError("the database URL file \(path) must hold one URL on one line")
                }
                return url
            }
        } catch let error as CryptoError {
            throw InputError(error.message)
        }
    }

    /// Opens the store, runs `body`, and shuts the store down.
    ///
    /// - Parameters:
    ///   - defaultTLS: The TLS mode to PostgreSQL when the URL has no `sslmode`: `prefer` unless told otherwise;
    ///     `tessera serve` in production mode passes ``PostgresStoreConfiguration/TLSMode/require`` (verify-full).
    ///   - body: Works on the open store.
    func withStore<Result: Sendable>(
        defaultTLS: PostgresStoreConfiguration.TLSMode = .prefer,
        _ body: (any TesseraStore) async throws -> Result
    ) async throws -> Result {
        var logger = Logger(label: "tessera.store")
        logger.logLevel = .warning
        if let url = try postgresURL() {
            let configuration = try PostgresStoreConfiguration(url: url, maximumConnections: 4, defaultTLS: defaultTLS)
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
        defaultTLS: PostgresStoreConfiguration.TLSMode = .prefer,
        _ body: (any TesseraStore) async throws -> Result
    ) async throws -> Result {
        try await withStore(defaultTLS: defaultTLS) { store in
            do {
                try await store.checkSchema()
            } catch let error as StoreError where error.code == .migrationFailed {
                throw InputError("the database schema is not current: run 'tessera migrate' first")
            }
            return try await body(store)
        }
    }
}
