import Foundation
import Logging
import PostgresNIO
import Synchronization
import TesseraAudit
import TesseraStore
import TesseraStorePostgres
import TesseraTestSupport

/// The PostgreSQL half of the store benchmark, against one throwaway server and database. At each level of
/// concurrency:
/// - the store's rotation rate while an ``AuditSequencer`` places the entries and signs checkpoints beside it, as
///   in `tessera serve` (its lag, entry to checkpoint, is recorded for every entry);
/// - pgbench running the same SQL (``Pgbench/script``: the rotation and a plain insert of the audit row, no shared
///   row: the database's own limit for this work);
/// - pgbench running the rotation with the audit append of the design issue 11 replaced (``Pgbench/legacyScript``:
///   one shared head row locked until commit), so "today's figure" is measured in the same run.
struct PostgresRotationBenchmark: Sendable {
    let settings: StoreBenchmarks.Settings
    let log: @Sendable (String) -> Void

    /// What one level measured.
    private struct Level: Sendable {
        let tessera: Double
        let pgbench: Double
        let legacy: Double
        let lags: [Duration]
    }

    /// Starts the throwaway server, creates and migrates a database, measures every level, drops the database.
    func run() async throws -> [BenchReport.Row] {
        let pgbench = try Pgbench.locate()
        guard Pgbench.legacyScript != Pgbench.script else {
            throw StoreError(.invalidConfiguration, "the legacy pgbench script did not replace the audit append")
        }
        self.log("PostgreSQL: starting a throwaway server (initdb + pg_ctl)")
        return try await TestPostgres.withTemporaryDatabase { url in
            let setup = try PostgresStoreConfiguration(url: url, maximumConnections: 1)
            _ = try await PostgresStore.withStore(configuration: setup) { try await $0.migrate() }
            try await Self.withClient(setup) { client in
                for statement in Pgbench.legacyHeadSetup {
                    _ = try await client.query(PostgresQuery(unsafeSQL: statement)).collect()
                }
            }
            var rows: [BenchReport.Row] = []
            for (index, clients) in self.settings.postgresClients.enumerated() {
                let level = try await self.measure(clients: clients, index: index, url: url, pgbench: pgbench)
                rows += self.rows(clients: clients, level)
            }
            return rows
        }
    }

    private func measure(clients: Int, index: Int, url: String, pgbench: Pgbench) async throws -> Level {
        // One connection more than clients: the sequencer holds one for its lease.
        let configuration = try PostgresStoreConfiguration(url: url, maximumConnections: clients + 1)
        return try await PostgresStore.withStore(configuration: configuration) { store in
            let lags = Mutex<[Duration]>([])
            var quiet = Logger(label: "tessera.bench.sequencer")
            // pgbench's rows carry no valid MAC; the sequencer refuses (and would log) each of them.
            quiet.logLevel = .critical
            let sequencer = AuditSequencer(
                store: store, key: RotationChain.auditKey, checkpointKey: AuditCheckpointKey(seed: .random(count: 32)),
                logger: quiet, onBatch: { report in lags.withLock { $0 += report.lags } }
            )
            let running = Task { await sequencer.run() }
            self.log("PostgreSQL: refresh rotation + audit, \(clients) client(s): Tessera, sequencer running")
            let tessera: Double
            do {
                // The earlier levels' pgbench rows carry no valid MAC, and no checkpoint records that a batch passed
                // over them: a new sequencer reads and refuses them again, tens of thousands of rows, before it
                // reaches this level's entries. One valid entry, placed, takes it past them before the clock starts,
                // so the lag measured is this level's load's (a deployment has no such rows: see docs/audit.md).
                let marker = try await AuditLog(store: store, key: RotationChain.auditKey).append(
                    entity: AuditName("bench"), action: AuditName("level.started"))
                while try await store.auditLeaf(entryID: marker.id) == nil {
                    try await Task.sleep(for: .milliseconds(20))
                }
                lags.withLock { $0.removeAll() }
                tessera = try await StoreBenchmarks.rotationRate(
                    store: store, clients: clients, duration: self.settings.duration
                )
                // Until every entry of the run is in a checkpoint (each lag is recorded), then stop leading.
                try await Self.withClient(configuration) { client in
                    try await Self.waitUntilSequenced(client: client, deadline: .now + .seconds(30))
                }
            } catch {
                running.cancel()
                throw error
            }
            running.cancel()
            await running.value
            let base = Int64(index + 1) * 2_000 * Pgbench.clientStride
            let legacyBase = base + 1_000 * Pgbench.clientStride
            for client in 0..<clients {
                for start in [base, legacyBase] {
                    _ = try await RotationChain.seed(
                        in: store, index: client, now: Date(),
                        firstHash: Pgbench.tokenHash(start + Int64(client) * Pgbench.clientStride)
                    )
                }
            }
            self.log("PostgreSQL: refresh rotation + audit, \(clients) client(s): pgbench, no shared row")
            let baseline = try await pgbench.run(
                url: url, clients: clients, duration: self.settings.duration, base: base
            )
            self.log("PostgreSQL: refresh rotation + audit, \(clients) client(s): pgbench, one shared head row")
            let legacy = try await pgbench.run(
                url: url, clients: clients, duration: self.settings.duration, base: legacyBase,
                script: Pgbench.legacyScript
            )
            return Level(tessera: tessera, pgbench: baseline, legacy: legacy, lags: lags.withLock { $0 })
        }
    }

    /// Waits until no entry signed with the benchmark's key is left outside the tree.
    private static func waitUntilSequenced(client: PostgresClient, deadline: ContinuousClock.Instant) async throws {
        while ContinuousClock.now < deadline {
            let rows = try await client.query(
                """
                SELECT count(*) FROM audits.audit_log l WHERE l.entity = 'session' AND l.prev_hash = ''::bytea
                    AND NOT EXISTS (SELECT 1 FROM audits.audit_sequence s WHERE s.entry_id = l.id)
                    AND l.signature <> sha256(int8send(l.id))
                """
            ).collect()
            if try rows.first?.decode(Int64.self) == 0 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw StoreError(.backend, "the benchmark's sequencer did not place every entry within 30 s")
    }

    /// Runs `body` with a plain postgres-nio client on the benchmark's database (SQL of its own: the legacy head
    /// table, the sequencer's progress).
    private static func withClient(
        _ configuration: PostgresStoreConfiguration, _ body: @Sendable (PostgresClient) async throws -> Void
    ) async throws {
        let client = PostgresClient(
            configuration: PostgresClient.Configuration(
                host: configuration.host, port: configuration.port, username: configuration.username,
                password: configuration.password, database: configuration.database, tls: .disable
            ),
            backgroundLogger: Logger(label: "tessera.bench.pg", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await body(client)
        }
    }

    private func rows(clients: Int, _ level: Level) -> [BenchReport.Row] {
        let name = "PostgreSQL refresh rotation + audit, \(clients) client(s)"
        var rows: [BenchReport.Row] = [
            .init(
                name: name, value: level.tessera, unit: "rot/s", baseline: level.pgbench,
                baselineName: "pgbench -M prepared -c \(clients) -j \(clients): the same rotation + a plain audit "
                    + "insert, no shared row",
                target: 0.7
            ),
            .init(
                name: name + ", against the shared head row", value: level.tessera, unit: "rot/s",
                baseline: level.legacy,
                baselineName: "pgbench, the same rotation + the audit append before issue 11 (one head row locked "
                    + "until commit)",
                target: clients == 16 ? 10 : nil
            ),
        ]
        for (label, quantile) in [("p50", 0.5), ("p99", 0.99)] {
            rows.append(
                .init(
                    name: "PostgreSQL sequencer lag \(label) (entry → signed checkpoint), \(clients) client(s)",
                    value: RpcBenchmarks.milliseconds(RpcBenchmarks.percentile(level.lags, quantile)), unit: "ms",
                    maximum: quantile == 0.99 ? 2000 : nil
                )
            )
        }
        return rows
    }
}
