import Foundation
import TesseraKeyring
import TesseraStore
import TesseraStorePostgres
import TesseraStoreSQLite
import TesseraTestSupport
import Testing

/// The store backends the keyring tests run against; every test gets a database of its own.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case postgres
    case sqlite

    var testDescription: String { rawValue }

    /// Where a test database lives.
    enum Location: Sendable {
        case postgres(url: String)
        case sqlite(path: String)

        /// Command-line arguments selecting this database for the `tessera` executable.
        var cliArguments: [String] {
            switch self {
            case .postgres(let url): ["--database-url", url]
            case .sqlite(let path): ["--sqlite-path", path]
            }
        }
    }

    /// Creates an empty, migrated database, runs `body` with its location, then destroys it.
    func withDatabase<Result: Sendable>(_ body: (Location) async throws -> Result) async throws -> Result {
        switch self {
        case .postgres:
            return try await TestPostgres.withTemporaryDatabase { url in
                let location = Location.postgres(url: url)
                try await Self.withStore(at: location) { _ = try await $0.migrate() }
                return try await body(location)
            }
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("tessera-keyring-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            let location = Location.sqlite(path: directory.appendingPathComponent("tessera.sqlite").path)
            try await Self.withStore(at: location) { _ = try await $0.migrate() }
            return try await body(location)
        }
    }

    /// Opens an independent store (its own pool or connection) on a test database.
    static func withStore<Result: Sendable>(
        at location: Location,
        _ body: (any TesseraStore) async throws -> Result
    ) async throws -> Result {
        switch location {
        case .postgres(let url):
            let configuration = try PostgresStoreConfiguration(url: url, maximumConnections: 4)
            return try await PostgresStore.withStore(configuration: configuration) { try await body($0) }
        case .sqlite(let path):
            return try await SQLiteStore.withStore(configuration: SQLiteStoreConfiguration(path: path)) {
                try await body($0)
            }
        }
    }
}

/// A user row with a unique email.
func makeUser() -> UserRecord {
    UserRecord(
        email: "user-\(UUID().uuidString.lowercased())@example.com",
        passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        createdAt: Date(timeIntervalSince1970: 1_800_000_000)
    )
}

/// The package root, found from this file's path.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Expects `body` to throw a ``KeyringError`` with `code`.
func expectKeyringError(
    _ code: KeyringError.Code,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async {
    do {
        try await body()
        Issue.record("expected KeyringError \(code), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as KeyringError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected KeyringError \(code), got \(error)", sourceLocation: sourceLocation)
    }
}
