import Foundation
import TesseraStore
import Testing

@Suite("Migrations", .timeLimit(.minutes(5)))
struct MigrationTests {
    @Test("a fresh database migrates to the latest version; a second run is a no-op", arguments: StoreBackend.allCases)
    func freshToLatest(backend: StoreBackend) async throws {
        try await backend.withStore(migrate: false) { store in
            #expect(try await store.schemaVersion() == 0)
            await expectStoreError(.migrationFailed) { try await store.checkSchema() }

            let applied = try await store.migrate()
            #expect(applied == backend.migrations)
            #expect(try await store.schemaVersion() == backend.migrations.count)
            try await store.checkSchema()

            #expect(try await store.migrate().isEmpty)
            #expect(try await store.schemaVersion() == backend.migrations.count)
        }
    }

    @Test("a database newer than the code is refused", arguments: StoreBackend.allCases)
    func newerRefused(backend: StoreBackend) async throws {
        let future = Migration(
            version: backend.migrations.count + 1,
            name: "from-the-future",
            statements: ["CREATE TABLE future_marker (id INTEGER PRIMARY KEY)"]
        )
        try await backend.withDatabase { location in
            // A newer build migrates the database past what this build knows…
            try await StoreBackend.withStore(at: location, migrations: backend.migrations + [future]) { newer throws in
                #expect(try await newer.migrate().count == future.version)
            }
            // …and this build refuses it, touching nothing.
            try await StoreBackend.withStore(at: location, migrations: backend.migrations) { current throws in
                await expectStoreError(.schemaTooNew) { _ = try await current.migrate() }
                await expectStoreError(.schemaTooNew) { try await current.checkSchema() }
                #expect(try await current.schemaVersion() == future.version)
            }
        }
    }

    @Test("a failing migration is rolled back and not recorded", arguments: StoreBackend.allCases)
    func failedMigrationRollsBack(backend: StoreBackend) async throws {
        let broken = Migration(
            version: backend.migrations.count + 1,
            name: "broken",
            statements: ["CREATE TABLE half_done (id INTEGER PRIMARY KEY)", "THIS IS NOT SQL"]
        )
        try await backend.withStore(migrations: backend.migrations + [broken], migrate: false) { store throws in
            await expectStoreError(.backend) { _ = try await store.migrate() }
            #expect(try await store.schemaVersion() == backend.migrations.count)
            // The table from the failed migration's first statement was rolled back with it.
            await expectStoreError(.backend) { _ = try await store.migrate() }
        }
    }

    @Test("migrations are numbered from 1 without gaps")
    func numbering() throws {
        for list in StoreBackend.allCases.map(\.migrations) {
            #expect(list.map(\.version) == Array(1...list.count))
        }
        #expect(StoreBackend.postgres.migrations.map(\.name) == StoreBackend.sqlite.migrations.map(\.name))
        #expect(throws: StoreError(.invalidConfiguration, "")) {
            try MigrationPlan.pending(known: [Migration(version: 2, name: "x", statements: [])], appliedVersion: 0)
        }
    }
}
