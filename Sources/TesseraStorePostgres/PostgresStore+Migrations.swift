import Foundation
import PostgresNIO
import TesseraStore

extension PostgresStore {
    /// An arbitrary constant naming the advisory lock that serialises migrators across processes.
    private static let migrationLock: Int64 = 0x7465_7373_6572_61  // "tessera"

    /// Applies pending migrations, each in its own transaction under a cross-process advisory lock.
    public func migrate() async throws -> [Migration] {
        var applied: [Migration] = []
        while true {
            let migrations = self.migrations
            let next: Migration? = try await self.withTransaction { transaction in
                try await transaction.rows("SELECT pg_advisory_xact_lock(\(Self.migrationLock))")
                try await transaction.run("CREATE SCHEMA IF NOT EXISTS tessera")
                try await transaction.run(
                    """
                    CREATE TABLE IF NOT EXISTS tessera.schema_migrations (
                        version integer PRIMARY KEY,
                        name text NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT now()
                    )
                    """
                )
                let version = try await Self.appliedVersion(transaction)
                guard let migration = try MigrationPlan.pending(known: migrations, appliedVersion: version).first
                else {
                    return nil
                }
                for statement in migration.statements {
                    try await transaction.run(statement)
                }
                try await transaction.rows(
                    """
                    INSERT INTO tessera.schema_migrations (version, name)
                    VALUES (\(migration.version), \(migration.name))
                    """
                )
                return migration
            }
            guard let next else { return applied }
            self.logger.debug("applied migration", metadata: ["version": "\(next.version)", "name": "\(next.name)"])
            applied.append(next)
        }
    }

    /// The highest applied migration version (0 for a database without the bookkeeping table).
    /// - Throws: ``StoreError/Code/schemaTooNew`` is not thrown here; see ``migrate()`` and ``checkSchema()``.
    public func schemaVersion() async throws -> Int {
        let rows = try await self.rows("SELECT to_regclass('tessera.schema_migrations') IS NOT NULL")
        guard let exists = try rows.first?.decode(Bool.self), exists else { return 0 }
        let versions = try await self.rows("SELECT coalesce(max(version), 0) FROM tessera.schema_migrations")
        return try versions.first?.decode(Int.self) ?? 0
    }

    /// Verifies that the database is at exactly the schema this code knows, for a server about to start.
    /// - Throws: ``StoreError/Code/schemaTooNew`` when the database is ahead; ``StoreError/Code/migrationFailed``
    ///   when migrations are pending.
    public func checkSchema() async throws {
        let version = try await self.schemaVersion()
        let pending = try MigrationPlan.pending(known: self.migrations, appliedVersion: version)
        guard pending.isEmpty else {
            throw StoreError(.migrationFailed, "the database has pending migrations: run `tessera migrate`")
        }
    }

    private static func appliedVersion(_ transaction: PostgresTransaction) async throws -> Int {
        let rows = try await transaction.rows("SELECT coalesce(max(version), 0) FROM tessera.schema_migrations")
        return try rows.first?.decode(Int.self) ?? 0
    }
}
