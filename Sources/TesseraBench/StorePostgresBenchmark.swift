import Foundation
import TesseraStore
import TesseraStorePostgres
import TesseraTestSupport

/// The PostgreSQL half of the store benchmark: at each level of concurrency, the store's rotation rate and then
/// pgbench's rate for the same SQL (``Pgbench``), against one throwaway server and database.
struct PostgresRotationBenchmark: Sendable {
    let settings: StoreBenchmarks.Settings
    let log: @Sendable (String) -> Void

    /// Starts the throwaway server, creates and migrates a database, measures every level, drops the database.
    func run() async throws -> [BenchReport.Row] {
        let pgbench = try Pgbench.locate()
        self.log("PostgreSQL: starting a throwaway server (initdb + pg_ctl)")
        return try await TestPostgres.withTemporaryDatabase { url in
            let setup = try PostgresStoreConfiguration(url: url, maximumConnections: 1)
            _ = try await PostgresStore.withStore(configuration: setup) { try await $0.migrate() }
            var rows: [BenchReport.Row] = []
            for (level, clients) in self.settings.postgresClients.enumerated() {
                let configuration = try PostgresStoreConfiguration(url: url, maximumConnections: clients)
                let (tessera, baseline) = try await PostgresStore.withStore(configuration: configuration) { store in
                    self.log("PostgreSQL: refresh rotation + audit, one transaction, \(clients) client(s): Tessera")
                    let tessera = try await StoreBenchmarks.rotationRate(
                        store: store, clients: clients, duration: self.settings.duration
                    )
                    // Each level gets fresh families for pgbench, numbered apart from every other level's.
                    let base = Int64(level + 1) * 1_000 * Pgbench.clientStride
                    for client in 0..<clients {
                        _ = try await RotationChain.seed(
                            in: store, index: client, now: Date(),
                            firstHash: Pgbench.tokenHash(base + Int64(client) * Pgbench.clientStride)
                        )
                    }
                    self.log("PostgreSQL: refresh rotation + audit, one transaction, \(clients) client(s): pgbench")
                    let baseline = try await pgbench.run(
                        url: url, clients: clients, duration: self.settings.duration, base: base
                    )
                    return (tessera, baseline)
                }
                rows.append(
                    .init(
                        name: "PostgreSQL refresh rotation + audit, \(clients) client(s)", value: tessera,
                        unit: "rot/s", baseline: baseline,
                        baselineName: "pgbench -M prepared -c \(clients) -j \(clients), same SQL as a custom script",
                        target: 0.7
                    )
                )
            }
            return rows
        }
    }
}
