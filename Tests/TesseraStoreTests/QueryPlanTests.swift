import Foundation
import PostgresNIO
import TesseraStore
import TesseraTestSupport
import Testing

@testable import TesseraStorePostgres
@testable import TesseraStoreSQLite

/// Checks that the store's lookups have indexes to use (EXPLAIN on PostgreSQL) and that SQLite is configured as
/// documented.
@Suite("Query plans and configuration", .timeLimit(.minutes(5)))
struct QueryPlanTests {
    /// The WHERE/ORDER clauses of the store's hot queries (fixed literals: these are EXPLAINed, never run).
    static let lookups: [String] = [
        "SELECT * FROM auth.users WHERE email = 'a@b.c'",
        "SELECT * FROM auth.sessions WHERE refresh_token_hash = '\\x00'::bytea",
        "SELECT * FROM auth.sessions WHERE user_id = '00000000-0000-0000-0000-000000000000'",
        """
        SELECT * FROM auth.sessions WHERE family_id = '00000000-0000-0000-0000-000000000000'
            AND rotated_at IS NULL AND revoked_at IS NULL
        """,
        "SELECT * FROM auth.sessions WHERE expires_at < now()",
        "SELECT * FROM auth.sessions WHERE parent_id = '00000000-0000-0000-0000-000000000000'",
        "SELECT * FROM auth.invitations WHERE created_by = '00000000-0000-0000-0000-000000000000'",
        "SELECT * FROM auth.password_resets WHERE user_id = '00000000-0000-0000-0000-000000000000'",
        "SELECT * FROM auth.audit_logs WHERE user_id = '00000000-0000-0000-0000-000000000000'",
        "SELECT * FROM auth.invitations WHERE code_hash = '\\x00'::bytea",
        "SELECT * FROM auth.invitations WHERE expires_at < now()",
        "SELECT * FROM auth.password_resets WHERE token_hash = '\\x00'::bytea",
        "SELECT * FROM auth.password_resets WHERE expires_at < now()",
        """
        SELECT * FROM providers.user_providers
            WHERE user_id = '00000000-0000-0000-0000-000000000000' AND provider_type = 'openai'
        """,
        """
        SELECT * FROM tessera.recovery_codes
            WHERE user_id = '00000000-0000-0000-0000-000000000000' AND code_hash = '\\x00'::bytea
        """,
        "SELECT * FROM audits.audit_log WHERE id > 10 ORDER BY id LIMIT 100",
        "SELECT * FROM auth.sessions WHERE id = '00000000-0000-0000-0000-000000000000' FOR UPDATE",
        // The sweeper's batched deletes (deleteExpired…(before:limit:)).
        """
        DELETE FROM auth.sessions WHERE id IN (
            SELECT id FROM auth.sessions WHERE expires_at < now() LIMIT 500 FOR UPDATE SKIP LOCKED) RETURNING id
        """,
        """
        DELETE FROM auth.invitations WHERE id IN (
            SELECT id FROM auth.invitations WHERE expires_at < now() LIMIT 500 FOR UPDATE SKIP LOCKED) RETURNING id
        """,
        """
        DELETE FROM auth.password_resets WHERE id IN (
            SELECT id FROM auth.password_resets WHERE expires_at < now() LIMIT 500 FOR UPDATE SKIP LOCKED)
            RETURNING id
        """,
        """
        DELETE FROM auth.mfa_challenges WHERE id IN (
            SELECT id FROM auth.mfa_challenges WHERE expires_at < now() LIMIT 500 FOR UPDATE SKIP LOCKED)
            RETURNING id
        """,
        // The sequencer's scan for committed entries no leaf names yet, and the verifier's leaf walk.
        """
        SELECT * FROM audits.audit_log l
            WHERE l.id > 10 AND NOT EXISTS (SELECT 1 FROM audits.audit_sequence s WHERE s.entry_id = l.id)
            ORDER BY l.id LIMIT 100
        """,
        "SELECT * FROM audits.audit_sequence WHERE seq >= 10 ORDER BY seq LIMIT 100",
        "SELECT * FROM audits.audit_checkpoints ORDER BY tree_size DESC LIMIT 1",
    ]

    @Test("PostgreSQL: every hot lookup can use an index", arguments: Self.lookups)
    func indexed(lookup: String) async throws {
        try await TestPostgres.withTemporaryDatabase { url in
            let configuration = try PostgresStoreConfiguration(url: url, maximumConnections: 1)
            try await PostgresStore.withStore(configuration: configuration) { store in
                _ = try await store.migrate()
                let plan = try await store.withTransaction { transaction in
                    // With sequential scans priced out, a plan without an index means there is no index to use.
                    try await transaction.run("SET LOCAL enable_seqscan = off")
                    return try await transaction.rows(PostgresQuery(unsafeSQL: "EXPLAIN " + lookup))
                        .map { try $0.decode(String.self) }
                        .joined(separator: "\n")
                }
                #expect(plan.contains("Index"), "\(plan)")
                #expect(!plan.contains("Seq Scan"), "\(plan)")
            }
        }
    }

    /// The prepared statements of the refresh rotation, with the parameter types they are
    /// prepared with and sample arguments (fixed literals: EXPLAIN EXECUTE plans them without running them).
    static let preparedStatements: [PreparedLookup] = [
        PreparedLookup(
            name: "SessionForUpdateTakingEntryID", sql: PostgresStatements.SessionForUpdateTakingEntryID.sql,
            types: ["bytea"], arguments: ["'\\x00'"]
        ),
        PreparedLookup(
            name: "RotateSession", sql: PostgresStatements.RotateSession.sql, types: PreparedLookup.rotationTypes,
            arguments: PreparedLookup.rotationArguments
        ),
        // The audit append itself (NextAuditEntryID, AppendAuditEntry) reads no row: nothing to look up.
        PreparedLookup(
            name: "RotateSessionAppendingEntry", sql: PostgresStatements.RotateSessionAppendingEntry.sql,
            types: PreparedLookup.rotationTypes + PreparedLookup.entryTypes,
            arguments: PreparedLookup.rotationArguments + PreparedLookup.entryArguments
        ),
    ]

    /// A prepared statement to EXPLAIN.
    struct PreparedLookup: Sendable, CustomTestStringConvertible {
        static let zero = "'00000000-0000-0000-0000-000000000000'"
        static let rotationTypes = [
            "timestamptz", "uuid", "uuid", "uuid", "bytea", "timestamptz", "text", "timestamptz", "uuid", "int8",
            "timestamptz",
        ]
        static let rotationArguments = [
            "now()", zero, zero, zero, "'\\x00'", "now()", "'{}'", "now()", zero, "1", "now()",
        ]

        static let entryTypes = ["int8", "text", "text", "uuid", "text", "bytea", "bytea", "timestamptz"]
        static let entryArguments = [
            "1", "'session'", "'refresh.rotated'", zero, "'{}'", "'\\x00'", "'\\x00'", "now()",
        ]

        let name: String
        let sql: String
        let types: [String]
        let arguments: [String]

        var testDescription: String { self.name }
    }

    @Test("PostgreSQL: the rotation and audit statements find their rows by index", arguments: Self.preparedStatements)
    func preparedIndexed(statement: PreparedLookup) async throws {
        try await TestPostgres.withTemporaryDatabase { url in
            let configuration = try PostgresStoreConfiguration(url: url, maximumConnections: 1)
            try await PostgresStore.withStore(configuration: configuration) { store in
                _ = try await store.migrate()
                let plan = try await store.withTransaction { transaction in
                    try await transaction.run("SET LOCAL enable_seqscan = off")
                    let types = statement.types.isEmpty ? "" : "(" + statement.types.joined(separator: ", ") + ")"
                    try await transaction.run("PREPARE lookup\(types) AS " + statement.sql)
                    let arguments =
                        statement.arguments.isEmpty ? "" : "(" + statement.arguments.joined(separator: ", ") + ")"
                    return try await transaction.rows(PostgresQuery(unsafeSQL: "EXPLAIN EXECUTE lookup" + arguments))
                        .map { try $0.decode(String.self) }
                        .joined(separator: "\n")
                }
                #expect(plan.contains("Index"), "\(plan)")
                #expect(!plan.contains("Seq Scan"), "\(plan)")
            }
        }
    }

    @Test("SQLite: the file (0600) and its folder are created on first start, in WAL mode with foreign keys on")
    func sqliteConfiguration() async throws {
        try await StoreBackend.sqlite.withDatabase { location in
            guard case .sqlite(let path) = location else { return }
            #expect(!FileManager.default.fileExists(atPath: path))
            try await SQLiteStore.withStore(configuration: SQLiteStoreConfiguration(path: path)) { store throws in
                #expect(FileManager.default.fileExists(atPath: path))
                let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
                #expect(mode == 0o600)
                #expect(try await store.rows("PRAGMA journal_mode", []).first?.string("journal_mode") == "wal")
                #expect(try await store.rows("PRAGMA foreign_keys", []).first?.int("foreign_keys") == 1)
                #expect(try await store.rows("PRAGMA busy_timeout", []).first?.int("timeout") == 5000)
            }
        }
    }
}
