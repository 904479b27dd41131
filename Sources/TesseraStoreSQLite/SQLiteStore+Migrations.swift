import Foundation
import SQLiteNIO
import TesseraStore

extension SQLiteStore {
    /// Applies pending migrations, each in its own `BEGIN IMMEDIATE` transaction (which also serialises migrators
    /// in other processes).
    public func migrate() async throws -> [Migration] {
        var applied: [Migration] = []
        while true {
            let migrations = self.migrations
            let next: Migration? = try await self.withTransaction { store in
                _ = try await store.unlockedRows(
                    """
                    CREATE TABLE IF NOT EXISTS tessera_schema_migrations (
                        version INTEGER NOT NULL PRIMARY KEY,
                        name TEXT NOT NULL,
                        applied_at INTEGER NOT NULL
                    )
                    """,
                    []
                )
                let version =
                    try await store.unlockedRows(
                        "SELECT coalesce(max(version), 0) AS version FROM tessera_schema_migrations",
                        []
                    ).first?.int("version") ?? 0
                guard let migration = try MigrationPlan.pending(known: migrations, appliedVersion: version).first
                else {
                    return nil
                }
                for statement in migration.statements {
                    _ = try await store.unlockedRows(statement, [])
                }
                _ = try await store.unlockedRows(
                    "INSERT INTO tessera_schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    [SQLiteBind.int(migration.version), SQLiteBind.text(migration.name), SQLiteBind.date(Date())]
                )
                return migration
            }
            guard let next else { return applied }
            self.logger.debug("applied migration", metadata: ["version": "\(next.version)", "name": "\(next.name)"])
            applied.append(next)
        }
    }

    /// The highest applied migration version (0 for a fresh file).
    public func schemaVersion() async throws -> Int {
        let exists =
            try await self.rows(
                "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'tessera_schema_migrations'",
                []
            ).first?.int("n") ?? 0
        guard exists > 0 else { return 0 }
        return try await self.rows(
            "SELECT coalesce(max(version), 0) AS version FROM tessera_schema_migrations",
            []
        ).first?.int("version") ?? 0
    }

    /// Verifies that the database is at exactly the schema this code knows.
    public func checkSchema() async throws {
        let pending = try MigrationPlan.pending(known: self.migrations, appliedVersion: try await self.schemaVersion())
        guard pending.isEmpty else {
            throw StoreError(.migrationFailed, "the database has pending migrations: run `tessera migrate`")
        }
    }
}
