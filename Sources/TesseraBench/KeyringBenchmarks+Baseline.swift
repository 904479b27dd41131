import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import SQLiteNIO
import TesseraCrypto
import TesseraStorePostgres

extension KeyringBenchmarks {
    /// The same rows, the same batch size and the same driver: read a page of ids (keyset order, as the rewrap
    /// does), write a fixed value of a wrapped key's size (65 bytes) into each with one UPDATE over arrays, one
    /// transaction per batch. It runs after the rewrap (on the rows the rewrap wrote), after a VACUUM, and without
    /// the Seal/Open load the rewrap had beside it.
    static func postgresBaseline(configuration: PostgresStoreConfiguration, settings: Settings) async throws -> Double {
        let client = PostgresClient(
            configuration: PostgresClient.Configuration(
                host: configuration.host, port: configuration.port, username: configuration.username,
                password: configuration.password, database: configuration.database, tls: .disable
            ),
            backgroundLogger: Logger(label: "tessera.bench.pg", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            // The rewrap just left a dead version of every row behind: clean up first, so the baseline does not pay
            // for the rewrap's garbage (and the comparison does not flatter the rewrap).
            _ = try await client.query("VACUUM (ANALYZE) providers.user_providers").collect()
            let value = ByteBuffer(bytes: [UInt8](repeating: 0xA5, count: WrappedKey.byteCount))
            let started = ContinuousClock.now
            var after = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
            var updated = 0
            while true {
                let page = try await client.query(
                    "SELECT id FROM providers.user_providers WHERE id > \(after) ORDER BY id LIMIT \(settings.batchSize)"
                ).collect()
                let ids = try page.map { try $0.decode(UUID.self) }
                guard let last = ids.last else { break }
                let values = Array(repeating: value, count: ids.count)
                try await client.withTransaction(logger: Logger(label: "x", factory: { _ in SwiftLogNoOpLogHandler() }))
                {
                    connection in
                    _ = try await connection.query(
                        """
                        UPDATE providers.user_providers p SET encrypted_dek = b.value
                        FROM unnest(\(ids)::uuid[], \(values)::bytea[]) AS b(id, value) WHERE p.id = b.id
                        """,
                        logger: Logger(label: "x", factory: { _ in SwiftLogNoOpLogHandler() })
                    )
                }
                updated += ids.count
                after = last
            }
            let elapsed = ContinuousClock.now - started
            guard updated == settings.rows else { throw RpcBenchmarkError("the baseline updated \(updated) rows") }
            return Double(updated) / RpcBenchmarks.seconds(elapsed)
        }
    }

    /// The same rows on SQLite, with the store's PRAGMAs: a page of ids, then one prepared UPDATE per row in one
    /// transaction per batch.
    static func sqliteBaseline(path: String, settings: Settings) async throws -> Double {
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        let connection = try await SQLiteConnection.open(
            storage: .file(path: path), threadPool: threadPool,
            logger: Logger(label: "tessera.bench.sqlite", factory: { _ in SwiftLogNoOpLogHandler() }),
            on: MultiThreadedEventLoopGroup.singleton.any()
        )
        do {
            for pragma in ["PRAGMA journal_mode = WAL", "PRAGMA foreign_keys = ON", "PRAGMA synchronous = NORMAL"] {
                _ = try await connection.query(pragma, [])
            }
            let value = SQLiteData.blob(ByteBuffer(bytes: [UInt8](repeating: 0xA5, count: WrappedKey.byteCount)))
            let started = ContinuousClock.now
            var after = ""
            var updated = 0
            while true {
                let page = try await connection.query(
                    "SELECT id FROM providers_user_providers WHERE id > ? ORDER BY id LIMIT ?",
                    [.text(after), .integer(settings.batchSize)]
                )
                let ids = page.compactMap { $0.column("id")?.string }
                guard let last = ids.last else { break }
                _ = try await connection.query("BEGIN IMMEDIATE", [])
                for id in ids {
                    _ = try await connection.query(
                        "UPDATE providers_user_providers SET encrypted_dek = ? WHERE id = ?", [value, .text(id)]
                    )
                }
                _ = try await connection.query("COMMIT", [])
                updated += ids.count
                after = last
            }
            let elapsed = ContinuousClock.now - started
            try await connection.close()
            try await threadPool.shutdownGracefully()
            guard updated == settings.rows else { throw RpcBenchmarkError("the baseline updated \(updated) rows") }
            return Double(updated) / RpcBenchmarks.seconds(elapsed)
        } catch {
            try? await connection.close()
            try? await threadPool.shutdownGracefully()
            throw error
        }
    }
}
