import Foundation
import PostgresNIO
import Synchronization
import TesseraAudit
import TesseraCrypto
import TesseraStore
import TesseraTestSupport
import Testing

@testable import TesseraStorePostgres
@testable import TesseraStoreSQLite

/// The audit chain end to end: appends through the store, verification, and tampering done directly in SQL.
@Suite("Audit chain")
struct AuditChainTests {
    private static let key = AuditSigningKey(rootKey: .generate())

    /// Appends `count` entries with varied payloads.
    private static func appendEntries(_ count: Int, to log: AuditLog) async throws {
        for index in 0..<count {
            var payload = AuditPayload()
            payload.set(AuditName("user_id"), id: UUID())
            payload.set(AuditName("attempt"), count: Int64(index))
            payload.set(AuditName("outcome"), outcome: index.isMultiple(of: 3) ? .failed : .succeeded)
            try await log.append(
                entity: AuditName("user"), action: AuditName("login.attempted"),
                actorID: index.isMultiple(of: 2) ? UUID() : nil, payload: payload
            )
        }
    }

    @Test("PostgreSQL: concurrent appenders on two pools make one linear chain that verifies")
    func postgresConcurrentAppends() async throws {
        try await TestPostgres.withTemporaryDatabase { url in
            let configuration = try PostgresStoreConfiguration(url: url, maximumConnections: 4)
            try await PostgresStore.withStore(configuration: configuration) { first in
                _ = try await first.migrate()
                try await PostgresStore.withStore(configuration: configuration) { second in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for store in [first, second, first, second] as [PostgresStore] {
                            group.addTask {
                                try await Self.appendEntries(10, to: AuditLog(store: store, key: Self.key))
                            }
                        }
                        try await group.waitForAll()
                    }
                }
                let pages = Counter()
                let result = try await AuditVerifier(store: first, key: Self.key, pageSize: 7).verify { _ in pages.add()
                }
                #expect(result == .intact(entries: 40))
                #expect(pages.value == 6)
                // A different audit key (another root key) fails at the first entry.
                let other = try await AuditVerifier(store: first, key: AuditSigningKey(rootKey: .generate())).verify()
                #expect(other == .broken(AuditBreak(entryID: 1, reason: .badSignature)))
            }
        }
    }

    @Test("SQLite: a chain verifies; an entry altered with the triggers dropped is named")
    func sqlite() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("audit-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("tessera.sqlite").path
        try await SQLiteStore.withStore(configuration: SQLiteStoreConfiguration(path: path)) { store in
            _ = try await store.migrate()
            #expect(try await AuditVerifier(store: store, key: Self.key).verify() == .intact(entries: 0))
            try await Self.appendEntries(25, to: AuditLog(store: store, key: Self.key))
            #expect(try await AuditVerifier(store: store, key: Self.key, pageSize: 4).verify() == .intact(entries: 25))
            _ = try await store.rows("DROP TRIGGER audit_log_refuse_update", [])
            _ = try await store.rows("DROP TRIGGER audit_log_refuse_delete", [])
            _ = try await store.rows("UPDATE audits_audit_log SET action = 'login.forged' WHERE id = 13", [])
            #expect(
                try await AuditVerifier(store: store, key: Self.key, pageSize: 4).verify()
                    == .broken(AuditBreak(entryID: 13, reason: .badSignature))
            )
            _ = try await store.rows("DELETE FROM audits_audit_log WHERE id = 5", [])
            #expect(
                try await AuditVerifier(store: store, key: Self.key).verify()
                    == .broken(AuditBreak(entryID: 5, reason: .missing))
            )
        }
    }

    /// How an entry is tampered with, as a superuser bypassing the triggers would.
    enum Tampering: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case alterPayload
        case alterAction
        case alterTimestamp
        case alterPreviousHash
        case deleteMiddle
        case deleteLast
        case swapWithNext
        case rewindHead

        var testDescription: String { rawValue }

        var statements: [String] {
            switch self {
            case .alterPayload: ["UPDATE audits.audit_log SET payload = '{\"attempt\": \"999\"}' WHERE id = 7"]
            case .alterAction: ["UPDATE audits.audit_log SET action = 'login.forged' WHERE id = 7"]
            case .alterTimestamp: ["UPDATE audits.audit_log SET ts = ts + interval '1 second' WHERE id = 7"]
            case .alterPreviousHash: ["UPDATE audits.audit_log SET prev_hash = sha256(prev_hash) WHERE id = 7"]
            case .deleteMiddle: ["DELETE FROM audits.audit_log WHERE id = 7"]
            case .deleteLast: ["DELETE FROM audits.audit_log WHERE id = 20"]
            case .swapWithNext:
                [
                    "UPDATE audits.audit_log SET id = -7 WHERE id = 7",
                    "UPDATE audits.audit_log SET id = 7 WHERE id = 8",
                    "UPDATE audits.audit_log SET id = 8 WHERE id = -7",
                ]
            case .rewindHead:
                [
                    "UPDATE tessera.audit_chain_head SET last_id = 17, last_hash = sha256(last_hash) WHERE id = 1"
                ]
            }
        }

        var expected: AuditBreak {
            switch self {
            case .alterPayload, .alterAction, .alterTimestamp, .alterPreviousHash, .swapWithNext:
                AuditBreak(entryID: 7, reason: .badSignature)
            case .deleteMiddle: AuditBreak(entryID: 7, reason: .missing)
            case .deleteLast: AuditBreak(entryID: 20, reason: .missing)
            // A head rewound with a hash that is not entry 17's; with a matching one the entries beyond the head are
            // named instead (`rewindHeadExactly`).
            case .rewindHead: AuditBreak(entryID: 17, reason: .headMismatch)
            }
        }
    }

    @Test(
        "PostgreSQL: altering, deleting or reordering one entry as a superuser is detected and named",
        arguments: Tampering.allCases)
    func postgresTampering(tampering: Tampering) async throws {
        try await TestPostgres.withTemporaryDatabase { url in
            let configuration = try PostgresStoreConfiguration(url: url, maximumConnections: 2)
            try await PostgresStore.withStore(configuration: configuration) { store in
                _ = try await store.migrate()
                try await Self.appendEntries(20, to: AuditLog(store: store, key: Self.key))
                #expect(
                    try await AuditVerifier(store: store, key: Self.key, pageSize: 3).verify() == .intact(entries: 20))
                let statements = tampering.statements
                try await store.withTransaction { transaction in
                    try await transaction.run("SET LOCAL session_replication_role = replica")
                    for statement in statements {
                        try await transaction.run(statement)
                    }
                }
                let result = try await AuditVerifier(store: store, key: Self.key, pageSize: 3).verify()
                #expect(result == .broken(tampering.expected))
            }
        }
    }

    @Test("PostgreSQL: entries beyond a head rewound to a consistent earlier state are reported, not skipped")
    func rewindHeadExactly() async throws {
        try await TestPostgres.withTemporaryDatabase { url in
            let configuration = try PostgresStoreConfiguration(url: url, maximumConnections: 2)
            try await PostgresStore.withStore(configuration: configuration) { store in
                _ = try await store.migrate()
                try await Self.appendEntries(10, to: AuditLog(store: store, key: Self.key))
                // Entry 8's prev_hash is entry 7's hash: the head as it was after the seventh append.
                try await store.withTransaction { transaction in
                    try await transaction.run("SET LOCAL session_replication_role = replica")
                    try await transaction.run(
                        """
                        UPDATE tessera.audit_chain_head SET last_id = 7,
                            last_hash = (SELECT prev_hash FROM audits.audit_log WHERE id = 8) WHERE id = 1
                        """)
                }
                #expect(
                    try await AuditVerifier(store: store, key: Self.key).verify()
                        == .broken(AuditBreak(entryID: 8, reason: .beyondHead)))
            }
        }
    }

    @Test("SQLite: entries beyond a rewound head are reported; the runtime cannot rewind or delete the head")
    func sqliteRewind() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("audit-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("tessera.sqlite").path
        try await SQLiteStore.withStore(configuration: SQLiteStoreConfiguration(path: path)) { store in
            _ = try await store.migrate()
            try await Self.appendEntries(6, to: AuditLog(store: store, key: Self.key))
            let rewind =
                "UPDATE tessera_audit_chain_head SET last_id = 4, last_hash = "
                + "(SELECT prev_hash FROM audits_audit_log WHERE id = 5) WHERE id = 1"
            await #expect(throws: StoreError.self) { _ = try await store.rows(rewind, []) }
            await #expect(throws: StoreError.self) {
                _ = try await store.rows("DELETE FROM tessera_audit_chain_head", [])
            }
            #expect(try await AuditVerifier(store: store, key: Self.key).verify() == .intact(entries: 6))
            _ = try await store.rows("DROP TRIGGER audit_chain_head_forward_only", [])
            _ = try await store.rows(rewind, [])
            #expect(
                try await AuditVerifier(store: store, key: Self.key).verify()
                    == .broken(AuditBreak(entryID: 5, reason: .beyondHead)))
        }
    }

    @Test("PostgreSQL: an ordinary (non-superuser) role can append but not UPDATE, DELETE or bypass the triggers")
    func postgresOrdinaryRole() async throws {
        try await TestPostgres.withTemporaryDatabase { url in
            let configuration = try PostgresStoreConfiguration(url: url, maximumConnections: 2)
            let role = "tessera_app_\(UUID().uuidString.prefix(8).lowercased())"
            try await PostgresStore.withStore(configuration: configuration) { store in
                _ = try await store.migrate()
                try await Self.appendEntries(3, to: AuditLog(store: store, key: Self.key))
                for statement in [
                    "CREATE ROLE \(role) LOGIN NOSUPERUSER",
                    "GRANT USAGE ON SCHEMA audits, tessera TO \(role)",
                    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA audits, tessera TO \(role)",
                ] {
                    try await store.withTransaction { try await $0.run(statement) }
                }
            }
            var components = try #require(URLComponents(string: url))
            components.user = role
            components.password = nil
            let roleURL = try #require(components.string)
            let roleConfiguration = try PostgresStoreConfiguration(url: roleURL, maximumConnections: 2)
            try await PostgresStore.withStore(configuration: roleConfiguration) { store in
                // Appending works for the application role; changing history does not, even with table privileges.
                try await Self.appendEntries(1, to: AuditLog(store: store, key: Self.key))
                let partition = try #require(
                    try await store.rows("SELECT tableoid::regclass::text FROM audits.audit_log WHERE id = 2")
                        .first?.decode(String.self))
                for statement in [
                    "UPDATE audits.audit_log SET action = 'login.forged' WHERE id = 2",
                    "DELETE FROM audits.audit_log WHERE id = 2",
                    "DELETE FROM \(partition) WHERE id = 4",
                    "TRUNCATE \(partition)",
                    "TRUNCATE audits.audit_log_default",
                    // Hiding the newest entries by rewinding the head, or removing it.
                    "UPDATE tessera.audit_chain_head SET last_id = 2 WHERE id = 1",
                    "UPDATE tessera.audit_chain_head SET last_hash = sha256(last_hash) WHERE id = 1",
                    "DELETE FROM tessera.audit_chain_head",
                    "TRUNCATE tessera.audit_chain_head",
                ] {
                    await #expect(throws: StoreError.self) { try await store.rows("\(unescaped: statement)") }
                }
                // Only a superuser may switch the triggers off.
                await #expect(throws: StoreError.self) {
                    try await store.withTransaction { try await $0.run("SET LOCAL session_replication_role = replica") }
                }
                #expect(try await AuditVerifier(store: store, key: Self.key).verify() == .intact(entries: 4))
            }
            try await PostgresStore.withStore(configuration: configuration) { store in
                try await store.withTransaction { try await $0.run("DROP OWNED BY \(role)") }
                try await store.withTransaction { try await $0.run("DROP ROLE \(role)") }
            }
        }
    }

    @Test("PostgreSQL: a chain of 100 000 entries verifies page by page; one altered entry in it is named")
    func hundredThousand() async throws {
        let total = 100_000
        try await TestPostgres.withTemporaryDatabase { url in
            let configuration = try PostgresStoreConfiguration(url: url, maximumConnections: 2)
            try await PostgresStore.withStore(configuration: configuration) { store in
                _ = try await store.migrate()
                let last = try await Self.bulkChain(total, into: store)
                #expect(try await store.auditChainHead() == AuditChainLink(id: Int64(total) + 1, previousHash: last))

                let pages = Counter()
                let started = ContinuousClock.now
                let result = try await AuditVerifier(store: store, key: Self.key, pageSize: 1000).verify { progress in
                    pages.add()
                    #expect(progress.total == Int64(total))
                }
                #expect(result == .intact(entries: Int64(total)))
                #expect(pages.value == total / 1000)
                print("verified \(total) audit entries in \(ContinuousClock.now - started)")

                try await store.withTransaction { transaction in
                    try await transaction.run("SET LOCAL session_replication_role = replica")
                    try await transaction.run("UPDATE audits.audit_log SET action = 'login.forged' WHERE id = 54321")
                }
                #expect(
                    try await AuditVerifier(store: store, key: Self.key).verify()
                        == .broken(AuditBreak(entryID: 54321, reason: .badSignature))
                )
            }
        }
    }

    /// Builds a valid chain of `count` entries quickly: seals computed here, rows inserted 10 000 at a time with
    /// `unnest`, then the chain head moved. Returns the last entry's hash.
    private static func bulkChain(_ count: Int, into store: PostgresStore) async throws -> [UInt8] {
        let base = (Date().timeIntervalSince1970 * 1000).rounded(.down)
        var previous = AuditCanonicalForm.genesisHash
        var id = 0
        while id < count {
            var ids: [Int64] = []
            var payloads: [String] = []
            var signatures: [String] = []
            var links: [String] = []
            var times: [Int64] = []
            for _ in 0..<min(10_000, count - id) {
                id += 1
                let milliseconds = Int64(base) + Int64(id)
                let payload = ["attempt": String(id), "outcome": "succeeded"]
                let draft = AuditEntryDraft(
                    entity: "user", action: "login.attempted", payload: payload,
                    timestamp: Date(timeIntervalSince1970: Double(milliseconds) / 1000)
                )
                let seal = AuditCanonicalForm.seal(
                    draft, link: AuditChainLink(id: Int64(id), previousHash: previous), key: key
                )
                ids.append(Int64(id))
                payloads.append(JSONColumn.encode(payload))
                signatures.append(hex(seal.signature))
                links.append(hex(previous))
                times.append(milliseconds)
                previous = seal.entryHash
            }
            try await store.rows(
                """
                INSERT INTO audits.audit_log (id, entity, action, actor_id, payload, signature, prev_hash, ts)
                SELECT i, 'user', 'login.attempted', NULL, p::jsonb, decode(s, 'hex'), decode(h, 'hex'),
                    timestamptz 'epoch' + t * interval '1 millisecond'
                FROM unnest(\(ids)::bigint[], \(payloads)::text[], \(signatures)::text[], \(links)::text[],
                    \(times)::bigint[]) AS u(i, p, s, h, t)
                """
            )
        }
        try await store.rows(
            """
            UPDATE tessera.audit_chain_head SET last_id = \(Int64(count)), last_hash = \(ByteBuffer(bytes: previous))
            WHERE id = 1
            """
        )
        return previous
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// A thread-safe counter for progress callbacks.
final class Counter: Sendable {
    private let count = Mutex(0)

    func add() { count.withLock { $0 += 1 } }

    var value: Int { count.withLock { $0 } }
}
