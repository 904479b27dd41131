import Foundation
import TesseraStore
import TesseraStoreSQLite
import Testing

/// A transaction that loses to a concurrent one is a ``StoreError/Code/conflict`` (the services answer it `ABORTED`,
/// retry), not the generic `backend` error, and it changed nothing.
@Suite("Store conflicts between concurrent transactions", .timeLimit(.minutes(5)))
struct ConflictTests {
    @Test("PostgreSQL: of two transactions that lock two users in opposite order, one commits, one is a conflict")
    func deadlock() async throws {
        try await StoreBackend.postgres.withStores { first, second in
            let a = makeUser()
            let b = makeUser()
            try await first.createUser(a)
            try await first.createUser(b)
            let (aLocked, aSignal) = AsyncStream.makeStream(of: Void.self)
            let (bLocked, bSignal) = AsyncStream.makeStream(of: Void.self)
            async let one = Self.countAttempts(on: first, of: a.id, then: b.id, signal: aSignal, after: bLocked)
            async let two = Self.countAttempts(on: second, of: b.id, then: a.id, signal: bSignal, after: aLocked)
            let outcomes = await [one, two]
            // PostgreSQL's deadlock detector fails one of them; the other then gets both locks.
            #expect(outcomes.filter { $0 == nil }.count == 1)
            #expect(outcomes.compactMap { $0 } == [.conflict])
            // The winner counted one attempt on each user; the loser's first update was rolled back with it.
            #expect(try await first.user(id: a.id)?.failedLoginAttempts == 1)
            #expect(try await first.user(id: b.id)?.failedLoginAttempts == 1)
        }
    }

    @Test("SQLite: a write while another connection holds the write lock past the busy timeout is a conflict")
    func busy() async throws {
        try await StoreBackend.sqlite.withDatabase { location in
            guard case .sqlite(let path) = location else {
                Issue.record("a SQLite database has a path")
                return
            }
            try await StoreBackend.withStore(at: location, migrations: StoreBackend.sqlite.migrations) { first in
                _ = try await first.migrate()
                let configuration = SQLiteStoreConfiguration(path: path, busyTimeout: .milliseconds(100))
                try await SQLiteStore.withStore(configuration: configuration) { second in
                    let holder = makeUser()
                    let waiter = makeUser()
                    let (written, writtenSignal) = AsyncStream.makeStream(of: Void.self)
                    let (release, releaseSignal) = AsyncStream.makeStream(of: Void.self)
                    async let held: Void = first.transaction { tx in
                        try await tx.createUser(holder)
                        writtenSignal.yield()
                        for await _ in release { break }
                    }
                    for await _ in written { break }
                    await expectStoreError(.conflict) { try await second.createUser(waiter) }
                    releaseSignal.yield()
                    try await held
                    #expect(try await second.user(id: holder.id) != nil)
                    #expect(try await second.user(id: waiter.id) == nil)
                }
            }
        }
    }

    /// Adds one failed login attempt to `firstID` in a transaction, signals, waits for `after`, then adds one to
    /// `secondID`; returns the store error's code, or `nil` when it committed.
    private static func countAttempts(
        on store: any TesseraStore,
        of firstID: UUID,
        then secondID: UUID,
        signal: AsyncStream<Void>.Continuation,
        after: AsyncStream<Void>
    ) async -> StoreError.Code? {
        do {
            try await store.transaction { tx in
                for (index, id) in [firstID, secondID].enumerated() {
                    var user = try #require(try await tx.userForUpdate(id: id))
                    user.failedLoginAttempts += 1
                    try await tx.updateUser(user)
                    if index == 0 {
                        signal.yield()
                        for await _ in after { break }
                    }
                }
            }
            return nil
        } catch let error as StoreError {
            return error.code
        } catch {
            Issue.record("unexpected error \(error)")
            return .backend
        }
    }
}
