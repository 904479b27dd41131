import Foundation
import TesseraStore
import TesseraStorePostgres
import TesseraStoreSQLite
import Testing

/// Opens, in the test process, the store that the `tessera` store flags `flags` name (`--sqlite-path PATH` or
/// `--database-url URL`, as ``ServeProcessTests/Backend/withDatabase(in:_:)`` makes them), to seed rows before a
/// process starts or to read what it left.
func withStore<Result: Sendable>(
    flags: [String], _ body: (any TesseraStore) async throws -> Result
) async throws -> Result {
    if flags.first == "--sqlite-path", let path = flags.last {
        return try await SQLiteStore.withStore(configuration: SQLiteStoreConfiguration(path: path)) {
            try await body($0)
        }
    }
    let url = try #require(flags.last)
    return try await PostgresStore.withStore(configuration: try PostgresStoreConfiguration(url: url)) {
        try await body($0)
    }
}
