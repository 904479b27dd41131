import Foundation
import TesseraStore
import TesseraStorePostgres
import TesseraStoreSQLite
import TesseraTestSupport
import Testing

/// The backends the conformance suite runs against; every test gets a database of its own.
enum StoreBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case postgres
    case sqlite

    var testDescription: String { self.rawValue }

    /// Where a test database lives.
    enum Location: Sendable {
        case postgres(url: String)
        case sqlite(path: String)
    }

    /// Creates an empty database of this backend, runs `body` with its location, then destroys it.
    func withDatabase<Result: Sendable>(_ body: (Location) async throws -> Result) async throws -> Result {
        switch self {
        case .postgres:
            return try await TestPostgres.withTemporaryDatabase { url in try await body(.postgres(url: url)) }
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("tessera-sqlite-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            return try await body(.sqlite(path: directory.appendingPathComponent("tessera.sqlite").path))
        }
    }

    /// Opens a store on an existing test database, runs `body`, and shuts the store down.
    static func withStore<Result: Sendable>(
        at location: Location,
        migrations: [Migration],
        _ body: (any TesseraStore) async throws -> Result
    ) async throws -> Result {
        switch location {
        case .postgres(let url):
            let configuration = try PostgresStoreConfiguration(url: url, maximumConnections: 8)
            return try await PostgresStore.withStore(configuration: configuration, migrations: migrations) {
                try await body($0)
            }
        case .sqlite(let path):
            let configuration = SQLiteStoreConfiguration(path: path)
            return try await SQLiteStore.withStore(configuration: configuration, migrations: migrations) {
                try await body($0)
            }
        }
    }

    /// Creates a fresh database, migrates it (unless told not to), and runs `body` with two independent stores on
    /// it (two pools for PostgreSQL, two connections for SQLite: as two replicas would); then destroys it.
    func withStores<Result: Sendable>(
        migrations: [Migration]? = nil,
        migrate: Bool = true,
        _ body: (any TesseraStore, any TesseraStore) async throws -> Result
    ) async throws -> Result {
        let known = migrations ?? self.migrations
        return try await self.withDatabase { location in
            try await Self.withStore(at: location, migrations: known) { first in
                if migrate {
                    _ = try await first.migrate()
                }
                return try await Self.withStore(at: location, migrations: known) { second in
                    try await body(first, second)
                }
            }
        }
    }

    /// Like ``withStores(migrations:migrate:_:)`` with a single store.
    func withStore<Result: Sendable>(
        migrations: [Migration]? = nil,
        migrate: Bool = true,
        _ body: (any TesseraStore) async throws -> Result
    ) async throws -> Result {
        try await self.withStores(migrations: migrations, migrate: migrate) { first, _ in try await body(first) }
    }

    /// The backend's own migration list.
    var migrations: [Migration] {
        switch self {
        case .postgres: PostgresMigrations.all
        case .sqlite: SQLiteMigrations.all
        }
    }
}

/// Fixed instants (whole seconds, so every backend stores them exactly).
enum Clock {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func later(_ seconds: Double) -> Date { now.addingTimeInterval(seconds) }
}

/// Random byte strings standing in for token hashes and sealed blobs.
func randomBytes(_ count: Int = 32) -> [UInt8] {
    var generator = SystemRandomNumberGenerator()
    return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
}

/// A user row with a unique email.
func makeUser(role: UserRole = .user) -> UserRecord {
    UserRecord(
        email: "user-\(UUID().uuidString.lowercased())@example.com",
        passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        role: role,
        createdAt: Clock.now
    )
}

/// Expects `body` to throw a ``StoreError`` with `code`.
func expectStoreError(
    _ code: StoreError.Code,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async {
    do {
        try await body()
        Issue.record("expected StoreError \(code), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as StoreError {
        #expect(error.code == code, sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected StoreError \(code), got \(type(of: error))", sourceLocation: sourceLocation)
    }
}

/// Runs `count` calls of `body` at once, alternating between two stores, and returns every result.
///
/// The stores' connections are opened first, so the racers start together instead of being staggered by
/// connection set-up (which would let each finish before the next begins and hide a missing lock).
func race<Value: Sendable>(
    _ count: Int,
    _ first: any TesseraStore,
    _ second: any TesseraStore,
    _ body: @escaping @Sendable (any TesseraStore) async throws -> Value
) async throws -> [Value] {
    for store in [first, second] {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<16 {
                group.addTask { _ = try await store.schemaVersion() }
            }
            try await group.waitForAll()
        }
    }
    return try await withThrowingTaskGroup(of: Value.self) { group in
        for index in 0..<count {
            let store = index.isMultiple(of: 2) ? first : second
            group.addTask { try await body(store) }
        }
        return try await group.reduce(into: []) { $0.append($1) }
    }
}
