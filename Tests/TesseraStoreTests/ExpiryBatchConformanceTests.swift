import Foundation
import TesseraStore
import Testing

/// The sweeper's store operations: each `deleteExpired…(before:limit:)` deletes at most `limit` expired rows and
/// never a live one, refuses a limit below 1, and two stores sweeping the same table at once delete every expired
/// row exactly once between them.
@Suite("Store conformance: expired rows deleted in batches", .timeLimit(.minutes(5)))
struct ExpiryBatchConformanceTests {
    /// One kind of expiring row: how to insert one, and the store's batched delete of its kind.
    struct Kind: Sendable, CustomTestStringConvertible {
        let name: String
        let insert: @Sendable (any TesseraStore, UUID, Date) async throws -> Void
        let delete: @Sendable (any TesseraStore, Date, Int) async throws -> Int

        var testDescription: String { name }

        static let all: [Kind] = [
            Kind(
                name: "sessions",
                insert: { store, user, expires in
                    try await store.createSession(
                        SessionRecord(
                            userID: user, refreshTokenHash: randomBytes(), expiresAt: expires, createdAt: Clock.now)
                    )
                },
                delete: { try await $0.deleteExpiredSessions(before: $1, limit: $2) }
            ),
            Kind(
                name: "invitations",
                insert: { store, _, expires in
                    try await store.createInvitation(
                        InvitationRecord(codeHash: randomBytes(), expiresAt: expires, createdAt: Clock.now)
                    )
                },
                delete: { try await $0.deleteExpiredInvitations(before: $1, limit: $2) }
            ),
            Kind(
                name: "password resets",
                insert: { store, user, expires in
                    try await store.createPasswordReset(
                        PasswordResetRecord(
                            userID: user, tokenHash: randomBytes(), expiresAt: expires, createdAt: Clock.now)
                    )
                },
                delete: { try await $0.deleteExpiredPasswordResets(before: $1, limit: $2) }
            ),
            Kind(
                name: "MFA challenges",
                insert: { store, user, expires in
                    try await store.createMFAChallenge(
                        MFAChallengeRecord(
                            userID: user, challengeHash: randomBytes(), createdAt: Clock.now, expiresAt: expires)
                    )
                },
                delete: { try await $0.deleteExpiredMFAChallenges(before: $1, limit: $2) }
            ),
        ]
    }

    static let cases: [(StoreBackend, Kind)] = StoreBackend.allCases.flatMap { backend in
        Kind.all.map { (backend, $0) }
    }

    @Test("batches of at most `limit`, expired rows only, limit 0 refused", arguments: cases)
    func batches(backend: StoreBackend, kind: Kind) async throws {
        try await backend.withStore { store in
            let user = makeUser()
            try await store.createUser(user)
            for index in 0..<7 { try await kind.insert(store, user.id, Clock.later(Double(-100 - index))) }
            for _ in 0..<2 { try await kind.insert(store, user.id, Clock.later(3_600)) }
            // Expired exactly at the cutoff is not yet before it.
            try await kind.insert(store, user.id, Clock.now)

            await expectStoreError(.invalidValue) { _ = try await kind.delete(store, Clock.now, 0) }
            #expect(try await kind.delete(store, Clock.now, 3) == 3)
            #expect(try await kind.delete(store, Clock.now, 3) == 3)
            #expect(try await kind.delete(store, Clock.now, 3) == 1)
            #expect(try await kind.delete(store, Clock.now, 3) == 0)
            // The row expiring at the cutoff and the live ones are still there.
            #expect(try await kind.delete(store, Clock.later(1), 100) == 1)
            #expect(try await kind.delete(store, Clock.later(7_200), 100) == 2)
        }
    }

    @Test("two stores sweeping at once delete each expired row exactly once", arguments: cases)
    func concurrentSweepers(backend: StoreBackend, kind: Kind) async throws {
        try await backend.withStores { first, second in
            let user = makeUser()
            try await first.createUser(user)
            for index in 0..<60 { try await kind.insert(first, user.id, Clock.later(Double(-10 - index))) }
            try await kind.insert(first, user.id, Clock.later(3_600))
            let deleted = try await withThrowingTaskGroup(of: Int.self) { group in
                for store in [first, second, first, second] {
                    group.addTask {
                        var total = 0
                        while true {
                            let batch = try await kind.delete(store, Clock.now, 4)
                            total += batch
                            if batch == 0 { return total }
                        }
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(deleted == 60)
            #expect(try await kind.delete(first, Clock.later(7_200), 100) == 1)
        }
    }

    @Test("providerKeyForUpdate reads the row inside a transaction, nil when absent", arguments: StoreBackend.allCases)
    func providerKeyForUpdate(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let user = makeUser()
            try await store.createUser(user)
            let key = ProviderKeyRecord(
                userID: user.id, providerName: "OpenAI", providerType: "openai", encryptedAPIKey: randomBytes(),
                encryptedDEK: randomBytes(), keyLast4Chars: "wxyz", createdAt: Clock.now
            )
            try await store.createProviderKey(key)
            let read = try await store.transaction { tx in
                try await tx.providerKeyForUpdate(userID: user.id, providerType: "openai")
            }
            #expect(read == key)
            let absent = try await store.transaction { tx in
                try await tx.providerKeyForUpdate(userID: user.id, providerType: "mistral")
            }
            #expect(absent == nil)
        }
    }
}
