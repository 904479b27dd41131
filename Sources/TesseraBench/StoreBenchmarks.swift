import Foundation
import TesseraStore
import TesseraStorePostgres
import TesseraStoreSQLite
import TesseraTestSupport

/// Benchmarks of the store: refresh-token rotations per second through ``TesseraStore``.
///
/// **One unit of work** is what the service does when a client refreshes its session, in ONE transaction
/// (`rotateRefreshToken(oldHash:newHash:newExpiresAt:now:graceWindow:audit:seal:)`): on PostgreSQL `BEGIN`, the old
/// row `SELECT … FOR UPDATE` by its hash (which also takes the audit entry's id), one statement that marks it
/// rotated, inserts the successor and inserts the audit entry (sealed with SHA-256 and HMAC-SHA256 in the process),
/// `COMMIT`. The pgbench baseline runs the same statements in one transaction per script run (``Pgbench/script``).
/// Every client rotates its own session family (no contention on a session row), and no row is shared between
/// audited transactions: the sequencer places the entries off the hot path, as in production.
public enum StoreBenchmarks {
    /// What to measure and for how long.
    public struct Settings: Sendable {
        /// Wall-clock time per measurement (each level of concurrency, each side).
        public var duration: Duration
        /// The numbers of concurrent clients measured on PostgreSQL (pool sized to match).
        public var postgresClients: [Int]
        /// The numbers of concurrent clients measured on SQLite.
        public var sqliteClients: [Int]

        /// Creates settings; the defaults take about a minute in all.
        public init(
            duration: Duration = .seconds(5),
            postgresClients: [Int] = [1, 4, 16, 64],
            sqliteClients: [Int] = [1, 4]
        ) {
            self.duration = duration
            self.postgresClients = postgresClients
            self.sqliteClients = sqliteClients
        }
    }

    /// Runs the store benchmarks (PostgreSQL against pgbench, then SQLite) and returns their rows.
    ///
    /// PostgreSQL is a throwaway server started for the run (``TestPostgres``: `initdb` + `pg_ctl` in a temporary
    /// directory, durability off), stopped when the process exits.
    public static func run(_ settings: Settings, log: @escaping @Sendable (String) -> Void) async throws
        -> [BenchReport.Row]
    {
        var rows = try await PostgresRotationBenchmark(settings: settings, log: log).run()
        rows += try await Self.sqliteRows(settings, log: log)
        return rows
    }

    static func sqliteRows(_ settings: Settings, log: @escaping @Sendable (String) -> Void) async throws
        -> [BenchReport.Row]
    {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tessera-bench-sqlite-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = SQLiteStoreConfiguration(path: directory.appendingPathComponent("bench.sqlite").path)
        return try await SQLiteStore.withStore(configuration: configuration) { store in
            _ = try await store.migrate()
            var rows: [BenchReport.Row] = []
            for clients in settings.sqliteClients {
                log("SQLite: refresh rotation + audit, one transaction, \(clients) client(s)")
                let rate = try await Self.rotationRate(store: store, clients: clients, duration: settings.duration)
                rows.append(
                    .init(
                        name: "SQLite refresh rotation + audit, \(clients) client(s)", value: rate, unit: "rot/s"
                    )
                )
            }
            return rows
        }
    }

    /// Rotations per second (one unit = rotation + audit entry in one transaction, see the type's documentation) with `clients`
    /// concurrent clients, each on its own session family, after a short uncounted warm-up.
    static func rotationRate(store: any TesseraStore, clients: Int, duration: Duration) async throws -> Double {
        let now = Date()
        var chains: [RotationChain] = []
        for index in 0..<clients {
            chains.append(try await RotationChain.seed(in: store, index: index, now: now))
        }
        let headBefore = try await store.auditChainHead().id
        let warmUpEnd = ContinuousClock.now + .milliseconds(500)
        let deadline = warmUpEnd + duration
        let counts = try await withThrowingTaskGroup(of: (warmUp: Int, counted: Int).self) { group in
            for chain in chains {
                group.addTask {
                    var chain = chain
                    var warmUp = 0
                    var counted = 0
                    while true {
                        let started = ContinuousClock.now
                        if started >= deadline { break }
                        try await chain.rotate(in: store)
                        if started < warmUpEnd { warmUp += 1 } else { counted += 1 }
                    }
                    return (warmUp, counted)
                }
            }
            return try await group.reduce(into: [(warmUp: Int, counted: Int)]()) { $0.append($1) }
        }
        let elapsed = ContinuousClock.now - warmUpEnd
        let total = counts.reduce(0) { $0 + $1.warmUp + $1.counted }
        // Every unit appended exactly one audit entry: a cheap check that the work measured really happened.
        let appended = try await store.auditChainHead().id - headBefore
        guard appended == Int64(total) else {
            throw StoreError(.backend, "the benchmark appended \(appended) audit entries for \(total) rotations")
        }
        let counted = counts.reduce(0) { $0 + $1.counted }
        return Double(counted) / CryptoBenchmarks.seconds(elapsed)
    }
}
