import Foundation
import TesseraCrypto
import TesseraKeyring
import TesseraStore
import TesseraStorePostgres
import TesseraTestSupport
import Testing

/// The `store` health component: judged from the keyring's own reads, never by an extra query.
@Suite("Store contact for health checks", .timeLimit(.minutes(5)))
struct StoreContactTests {
    @Test("A started keyring reports its store reachable until the last success is older than the limit")
    func staleness() async throws {
        try await Backend.sqlite.withDatabase { location in
            try await Backend.withStore(at: location) { store in
                let manager = try await KeyringManager.start(store: store, rootKey: .generate())
                #expect(manager.storeContact(staleAfter: .seconds(60)) == .reachable)
                let later = ContinuousClock.now + .seconds(120)
                guard case .unreachable(let reason) = manager.storeContact(staleAfter: .seconds(60), now: later) else {
                    Issue.record("a success two minutes old should be stale")
                    return
                }
                #expect(reason.contains("no successful read"))
                // A poll that succeeds makes it fresh again.
                try await manager.refreshIfChanged()
                #expect(manager.storeContact(staleAfter: .seconds(60)) == .reachable)
            }
        }
    }

    @Test("When the PostgreSQL database goes away, the next poll reports it unreachable, naming no URL or password")
    func databaseDropped() async throws {
        try await TestPostgres.withTemporaryDatabase { url in
            let configuration = try PostgresStoreConfiguration(url: url, maximumConnections: 1)
            try await PostgresStore.withStore(configuration: configuration) { store in
                _ = try await store.migrate()
                let manager = try await KeyringManager.start(store: store, rootKey: .generate())
                #expect(manager.storeContact(staleAfter: .seconds(600)) == .reachable)

                try await TestPostgres.dropDatabase(url: url)
                // The pool retries a missing database for about a minute; the bounded poll reports it in seconds.
                await #expect(throws: (any Error).self) { try await manager.refreshIfChanged(timeout: .seconds(5)) }
                guard case .unreachable(let reason) = manager.storeContact(staleAfter: .seconds(600)) else {
                    Issue.record("a failed poll should make the store unreachable")
                    return
                }
                #expect(reason.hasPrefix("the last read of the store failed"))
                let endpoint = try await TestPostgres.shared()
                #expect(!reason.contains(url) && !reason.contains("\(endpoint.port)"))
                if let password = endpoint.password { #expect(!reason.contains(password)) }
            }
        }
    }
}
