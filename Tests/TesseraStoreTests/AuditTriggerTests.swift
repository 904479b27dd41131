import Foundation
import TesseraStore
import TesseraTestSupport
import Testing

@testable import TesseraStorePostgres
@testable import TesseraStoreSQLite

/// The append-only guarantee of the audit log, exercised with raw SQL through the backends' internal query paths.
@Suite("Audit log is append-only", .timeLimit(.minutes(5)))
struct AuditTriggerTests {
    private static let draft = AuditEntryDraft(entity: "user", action: "login.succeeded", timestamp: Clock.now)

    @Test("PostgreSQL: UPDATE, DELETE and TRUNCATE are refused; a superuser bypass is visible")
    func postgres() async throws {
        try await TestPostgres.withTemporaryDatabase { url in
            let configuration = try PostgresStoreConfiguration(url: url, maximumConnections: 2)
            try await PostgresStore.withStore(configuration: configuration) { store in
                _ = try await store.migrate()
                let entry = try await store.appendAuditEntry(Self.draft, seal: testSeal)

                await expectStoreError(.backend) { try await store.rows("UPDATE audits.audit_log SET action = 'x'") }
                await expectStoreError(.backend) { try await store.rows("DELETE FROM audits.audit_log") }
                await expectStoreError(.backend) { try await store.rows("TRUNCATE audits.audit_log") }
                // Every partition refuses TRUNCATE itself (the parent's statement trigger does not reach them),
                // also one created later by ensure_partitions.
                _ = try await store.rows("SELECT audits.ensure_partitions(now() + interval '5 years', 1)")
                let partitions = try await store.rows(
                    "SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = 'audits.audit_log'::regclass"
                ).map { try $0.decode(String.self) }
                #expect(partitions.count == 15)
                for partition in partitions {
                    await expectStoreError(.backend) { try await store.rows("TRUNCATE \(unescaped: partition)") }
                }
                // Row triggers reach the partitions too (an empty partition has no row to refuse).
                let holder = try #require(
                    try await store.rows("SELECT tableoid::regclass::text FROM audits.audit_log WHERE id = 1")
                        .first?.decode(String.self))
                await expectStoreError(.backend) { try await store.rows("DELETE FROM \(unescaped: holder)") }
                await expectStoreError(.backend) {
                    try await store.rows("UPDATE \(unescaped: holder) SET action = 'x'")
                }
                #expect(try await store.auditEntries(after: 0, limit: 10) == [entry])
                // The frozen legacy head cannot be rewound or removed.
                await expectStoreError(.backend) {
                    try await store.rows("UPDATE tessera.audit_legacy_head SET last_id = 0 WHERE id = 1")
                }
                await expectStoreError(.backend) { try await store.rows("DELETE FROM tessera.audit_legacy_head") }
                await expectStoreError(.backend) { try await store.rows("TRUNCATE tessera.audit_legacy_head") }
                // The tree's tables are append-only too (their row triggers are exercised by the audit tests'
                // tampering, which has to switch them off; empty tables have no row to refuse).
                for table in ["audits.audit_sequence", "audits.audit_checkpoints"] {
                    await expectStoreError(.backend) { try await store.rows("TRUNCATE \(unescaped: table)") }
                }
                let next = try await store.appendAuditEntry(Self.draft, seal: testSeal)
                #expect(next.id == entry.id + 1)

                // What the tamper-detection tests will rely on: a superuser can switch the triggers off.
                try await store.withTransaction { transaction in
                    try await transaction.run("SET LOCAL session_replication_role = replica")
                    try await transaction.run("UPDATE audits.audit_log SET action = 'tampered'")
                }
                #expect(try await store.auditEntries(after: 0, limit: 10).map(\.action) == ["tampered", "tampered"])
            }
        }
    }

    @Test("PostgreSQL: appends land in monthly partitions created ahead")
    func partitions() async throws {
        try await TestPostgres.withTemporaryDatabase { url in
            let configuration = try PostgresStoreConfiguration(url: url, maximumConnections: 2)
            try await PostgresStore.withStore(configuration: configuration) { store in
                _ = try await store.migrate()
                let now = Date()
                _ = try await store.appendAuditEntry(
                    AuditEntryDraft(entity: "user", action: "created", timestamp: now), seal: testSeal)
                let rows = try await store.rows(
                    "SELECT tableoid::regclass::text FROM audits.audit_log WHERE id = 1"
                )
                let partition = try #require(try rows.first?.decode(String.self))
                #expect(partition.hasPrefix("audits.audit_log_2"))
                let count = try await store.rows(
                    """
                    SELECT count(*) FROM pg_inherits
                    WHERE inhparent = 'audits.audit_log'::regclass
                    """
                )
                // 13 monthly partitions plus the default one.
                #expect(try count.first?.decode(Int.self) == 14)
            }
        }
    }

    @Test("SQLite: UPDATE and DELETE are refused")
    func sqlite() async throws {
        try await StoreBackend.sqlite.withDatabase { location in
            guard case .sqlite(let path) = location else { return }
            try await SQLiteStore.withStore(configuration: SQLiteStoreConfiguration(path: path)) { store in
                _ = try await store.migrate()
                let entry = try await store.appendAuditEntry(Self.draft, seal: testSeal)
                await expectStoreError(.backend) {
                    _ = try await store.rows("UPDATE audits_audit_log SET action = 'x'", [])
                }
                await expectStoreError(.backend) { _ = try await store.rows("DELETE FROM audits_audit_log", []) }
                #expect(try await store.auditEntries(after: 0, limit: 10) == [entry])
            }
        }
    }
}
