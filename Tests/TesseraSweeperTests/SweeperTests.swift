import Foundation
import MetricsTestKit
import PostgresNIO
import TesseraObservability
import TesseraStore
import TesseraStoreSQLite
import TesseraSweeper
import TesseraTestSupport
import Testing

@testable import TesseraStorePostgres

/// The sweeper over real stores: expired rows of every kind go in batches (live ones and those within the
/// retention stay), its work shows in the metrics, a failing kind does not stop the others, and on PostgreSQL it
/// creates the audit log's missing monthly partitions — or, as a role that may not, says so in a metric.
@Suite("Sweeper", .timeLimit(.minutes(5)))
struct SweeperTests {
    enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case postgres
        case sqlite

        var testDescription: String { rawValue }

        /// A fresh migrated store; the PostgreSQL one is also the partition store.
        func withStore<Result: Sendable>(
            _ body: (any TesseraStore, (any AuditPartitionStore)?) async throws -> Result
        ) async throws -> Result {
            switch self {
            case .postgres:
                return try await TestPostgres.withTemporaryDatabase { url in
                    let configuration = try PostgresStoreConfiguration(url: url, maximumConnections: 4)
                    return try await PostgresStore.withStore(configuration: configuration) { store in
                        _ = try await store.migrate()
                        return try await body(store, store)
                    }
                }
            case .sqlite:
                let directory = FileManager.default.temporaryDirectory
                    .appendingPathComponent("tessera-sweeper-\(UUID().uuidString)")
                defer { try? FileManager.default.removeItem(at: directory) }
                let configuration = SQLiteStoreConfiguration(path: directory.appendingPathComponent("t.sqlite").path)
                return try await SQLiteStore.withStore(configuration: configuration) { store in
                    _ = try await store.migrate()
                    return try await body(store, nil)
                }
            }
        }
    }

    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func user() -> UserRecord {
        UserRecord(
            email: "sweep-\(UUID().uuidString.lowercased())@example.com",
            passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
            createdAt: now
        )
    }

    static func bytes() -> [UInt8] { (0..<32).map { _ in UInt8.random(in: 0...255) } }

    /// One row of each kind expiring at `expires`.
    static func insertOfEachKind(_ store: any TesseraStore, user: UUID, expires: Date) async throws {
        try await store.createSession(
            SessionRecord(userID: user, refreshTokenHash: bytes(), expiresAt: expires, createdAt: now))
        try await store.createInvitation(InvitationRecord(codeHash: bytes(), expiresAt: expires, createdAt: now))
        try await store.createPasswordReset(
            PasswordResetRecord(userID: user, tokenHash: bytes(), expiresAt: expires, createdAt: now))
        try await store.createMFAChallenge(
            MFAChallengeRecord(userID: user, challengeHash: bytes(), createdAt: now, expiresAt: expires))
        try await store.createEmailVerification(
            EmailVerificationRecord(
                userID: user, email: "sweep@example.com", tokenHash: bytes(), createdAt: now, expiresAt: expires))
        // A reset request's record "expires" when it was made: the limit only looks back an hour.
        _ = try await store.requestPasswordReset(
            PasswordResetRequest(subjectHash: bytes(), reset: nil, now: expires, window: .seconds(3600), limit: 100))
    }

    @Test(
        "expired rows of every kind go in batches; live and retained rows stay; metrics count them",
        arguments: Backend.allCases)
    func sweepsEveryKind(backend: Backend) async throws {
        try await backend.withStore { store, partitions in
            let user = Self.user()
            try await store.createUser(user)
            // 7 of each kind long expired, 2 expired within the retention (1 hour), 1 live.
            for index in 0..<7 {
                try await Self.insertOfEachKind(
                    store, user: user.id, expires: Self.now.addingTimeInterval(-7_200 - Double(index)))
            }
            for _ in 0..<2 {
                try await Self.insertOfEachKind(store, user: user.id, expires: Self.now.addingTimeInterval(-60))
            }
            try await Self.insertOfEachKind(store, user: user.id, expires: Self.now.addingTimeInterval(600))

            let metrics = TestMetrics()
            let sweeper = try Sweeper(
                store: store, partitions: partitions,
                configuration: SweeperConfiguration(batchSize: 3, retention: .seconds(3_600)),
                metrics: SweeperMetrics(kinds: SweepKind.all, factory: metrics), now: { Self.now }
            )
            let report = await sweeper.sweepOnce()
            #expect(report.failed.isEmpty)
            #expect(report.deleted == Dictionary(uniqueKeysWithValues: SweepKind.all.map { ($0.name, 7) }))
            for kind in SweepKind.all {
                let counter = try metrics.expectCounter(MetricName.sweeperDeleted, [("kind", kind.name)])
                #expect(counter.totalValue == 7, "\(kind.name)")
                #expect(try metrics.expectCounter(MetricName.sweeperFailures, [("kind", kind.name)]).totalValue == 0)
            }
            #expect(try metrics.expectCounter(MetricName.sweeperRuns).totalValue == 1)
            #expect(try metrics.expectMeter(MetricName.sweeperLastRun).lastValue == Self.now.timeIntervalSince1970)
            #expect(try await store.sessions(userID: user.id).count == 3)

            // A second run finds nothing more; past the retention the two recent ones go, the live one stays.
            #expect(await sweeper.sweepOnce().deleted.values.reduce(0, +) == 0)
            let later = try Sweeper(
                store: store, partitions: partitions,
                configuration: SweeperConfiguration(batchSize: 3, retention: .zero),
                metrics: SweeperMetrics(kinds: SweepKind.all, factory: metrics), now: { Self.now }
            )
            #expect(await later.sweepOnce().deleted.values.allSatisfy { $0 == 2 })
            #expect(try await store.sessions(userID: user.id).count == 1)
        }
    }

    @Test("batches per run bound one run's work; the rest goes at the next run", arguments: [Backend.sqlite])
    func boundedRun(backend: Backend) async throws {
        try await backend.withStore { store, _ in
            let user = Self.user()
            try await store.createUser(user)
            for index in 0..<10 {
                try await store.createSession(
                    SessionRecord(
                        userID: user.id, refreshTokenHash: Self.bytes(),
                        expiresAt: Self.now.addingTimeInterval(-100_000 - Double(index)), createdAt: Self.now
                    )
                )
            }
            let sweeper = try Sweeper(
                store: store, partitions: nil,
                configuration: SweeperConfiguration(batchSize: 2, maxBatchesPerRun: 3),
                kinds: [SweepKind.all[0]], metrics: SweeperMetrics(kinds: [SweepKind.all[0]], factory: TestMetrics()),
                now: { Self.now }
            )
            #expect(await sweeper.sweepOnce().deleted["sessions"] == 6)
            #expect(await sweeper.sweepOnce().deleted["sessions"] == 4)
        }
    }

    @Test("a failing kind is counted and logged; the others still run", arguments: [Backend.sqlite])
    func failureIsolated(backend: Backend) async throws {
        try await backend.withStore { store, _ in
            let failing = SweepKind("broken") { _, _, _ in throw StoreError(.connection, "the database is gone") }
            let kinds = [failing] + SweepKind.all
            let metrics = TestMetrics()
            let sweeper = try Sweeper(
                store: store, partitions: nil, kinds: kinds,
                metrics: SweeperMetrics(kinds: kinds, factory: metrics), now: { Self.now }
            )
            let report = await sweeper.sweepOnce()
            #expect(report.failed == ["broken"])
            #expect(report.deleted["sessions"] == 0)
            #expect(try metrics.expectCounter(MetricName.sweeperFailures, [("kind", "broken")]).totalValue == 1)
            #expect(try metrics.expectCounter(MetricName.sweeperRuns).totalValue == 1)
        }
    }

    @Test("settings out of range are refused")
    func settingsRanges() {
        for configuration in [
            SweeperConfiguration(interval: .zero), SweeperConfiguration(batchSize: 0),
            SweeperConfiguration(maxBatchesPerRun: 0), SweeperConfiguration(retention: .seconds(-1)),
            SweeperConfiguration(auditPartitionMonthsAhead: 120),
        ] {
            #expect(throws: SweeperError.self) { try configuration.validate() }
        }
        #expect(throws: Never.self) { try SweeperConfiguration().validate() }
    }

    @Test("PostgreSQL: missing monthly partitions ahead are created; the gauge says how many are missing")
    func createsPartitions() async throws {
        try await Backend.postgres.withStore { store, partitions in
            let partitions = try #require(partitions)
            // Five years ahead, nothing exists yet: 3 + 1 months are missing.
            let future = Date().addingTimeInterval(5 * 366 * 86_400)
            #expect(try await partitions.missingAuditPartitions(from: future, months: 4) == 4)
            #expect(try await partitions.missingAuditPartitions(from: Date(), months: 4) == 0)
            let metrics = TestMetrics()
            let sweeper = try Sweeper(
                store: store, partitions: partitions, metrics: SweeperMetrics(kinds: SweepKind.all, factory: metrics),
                now: { future }
            )
            let report = await sweeper.sweepOnce()
            #expect(report.auditPartitionsCreated == 4)
            #expect(report.auditPartitionsMissing == 0)
            #expect(!report.auditPartitionsNotPermitted)
            #expect(try await partitions.missingAuditPartitions(from: future, months: 4) == 0)
            #expect(try metrics.expectMeter(MetricName.auditPartitionsMissing).lastValue == 0)
            // Idempotent: a second run creates nothing.
            #expect(await sweeper.sweepOnce().auditPartitionsCreated == 0)
        }
    }

    @Test("PostgreSQL: a role without EXECUTE on ensure_partitions gets a metric and a warning, not a failure")
    func partitionsNotPermitted() async throws {
        try await TestPostgres.withTemporaryDatabase { url in
            let admin = try PostgresStoreConfiguration(url: url, maximumConnections: 2)
            let role = "tessera_sweep_\(UUID().uuidString.prefix(8).lowercased())"
            try await PostgresStore.withStore(configuration: admin) { store in
                _ = try await store.migrate()
                try await store.rows("CREATE ROLE \(unescaped: role) LOGIN")
                try await store.rows("GRANT USAGE ON SCHEMA audits, auth TO \(unescaped: role)")
                try await store.rows("GRANT SELECT, DELETE ON ALL TABLES IN SCHEMA auth TO \(unescaped: role)")
                try await store.rows(
                    "REVOKE EXECUTE ON FUNCTION audits.ensure_partitions(timestamptz, integer) FROM PUBLIC")
            }
            var components = try #require(URLComponents(string: url))
            components.user = role
            components.password = nil
            let limited = try PostgresStoreConfiguration(url: try #require(components.string), maximumConnections: 2)
            try await PostgresStore.withStore(configuration: limited) { store in
                let future = Date().addingTimeInterval(6 * 366 * 86_400)
                #expect(try await store.ensureAuditPartitions(from: future, months: 2) == false)
                let metrics = TestMetrics()
                let sweeper = try Sweeper(
                    store: store, partitions: store, kinds: [],
                    metrics: SweeperMetrics(kinds: [], factory: metrics), now: { future }
                )
                let report = await sweeper.sweepOnce()
                #expect(report.auditPartitionsNotPermitted)
                #expect(report.auditPartitionsMissing == 4)
                #expect(try metrics.expectMeter(MetricName.auditPartitionsMissing).lastValue == 4)
                let failures = try metrics.expectCounter(
                    MetricName.sweeperFailures, [("kind", SweeperMetrics.auditPartitionsKind)])
                #expect(failures.totalValue == 1)
            }
            try await PostgresStore.withStore(configuration: admin) { store in
                try await store.rows("DROP OWNED BY \(unescaped: role) CASCADE")
                try await store.rows("DROP ROLE \(unescaped: role)")
            }
        }
    }
}
