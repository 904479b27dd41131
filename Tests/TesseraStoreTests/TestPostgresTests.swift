import Foundation
import TesseraStore
import TesseraStorePostgres
import TesseraTestSupport
import Testing

@Suite("Throwaway PostgreSQL", .timeLimit(.minutes(5)))
struct TestPostgresTests {
    @Test("one server per process; each temporary database is new")
    func temporaryDatabases() async throws {
        let endpoint = try await TestPostgres.shared()
        #expect(try await TestPostgres.shared() == endpoint)
        let first = try await TestPostgres.withTemporaryDatabase { $0 }
        let second = try await TestPostgres.withTemporaryDatabase { $0 }
        #expect(first != second)
    }

    @Test("database URLs parse into a configuration; malformed ones are refused without echoing them")
    func urlParsing() throws {
        let parsed = try PostgresStoreConfiguration(
            url: "postgres://app%40x:s3cr%2Ft%2541@db.example:6543/tessera?sslmode=require", maximumConnections: 7)
        #expect(parsed.host == "db.example")
        #expect(parsed.port == 6543)
        #expect(parsed.username == "app@x")
        #expect(parsed.password == "s3cr/t%41")
        #expect(parsed.database == "tessera")
        #expect(parsed.tls == .require)
        #expect(parsed.maximumConnections == 7)
        #expect(try PostgresStoreConfiguration(url: "postgresql://u@h/d").tls == .prefer)

        for bad in ["mysql://u@h/d", "postgres://h/d", "postgres://u@h", "postgres://u:hunter2@h/d?sslmode=bogus"] {
            do {
                _ = try PostgresStoreConfiguration(url: bad)
                Issue.record("accepted a malformed URL")
            } catch let error as StoreError {
                #expect(error.code == .invalidConfiguration)
                #expect(!error.description.contains("hunter2"))
            }
        }
    }

    @Test(
        "A URL without sslmode gets the caller's default (verify-full for tessera serve in production); its own wins",
        arguments: [
            (
                "postgres://u@h/d", PostgresStoreConfiguration.TLSMode.require,
                PostgresStoreConfiguration.TLSMode.require
            ),
            ("postgres://u@h/d", .prefer, .prefer),
            ("postgres://u@h/d?sslmode=disable", .require, .disable),
            ("postgres://u@h/d?sslmode=prefer", .require, .prefer),
            ("postgres://u@h/d?sslmode=verify-full", .prefer, .require),
        ]
    )
    func defaultTLS(
        url: String, defaultTLS: PostgresStoreConfiguration.TLSMode, expected: PostgresStoreConfiguration.TLSMode
    ) throws {
        #expect(try PostgresStoreConfiguration(url: url, defaultTLS: defaultTLS).tls == expected)
    }
}
