import Foundation
import TesseraStore
import Testing

/// A flow's own error, which must leave the transaction unchanged.
private struct FlowRefusal: Error, Equatable {}

private func draft(_ action: String) -> AuditEntryDraft {
    AuditEntryDraft(entity: "user", action: action, actorID: nil, payload: [:], timestamp: Clock.now)
}

private let testSeal: @Sendable (AuditEntryDraft, AuditChainLink) throws -> AuditSeal = { _, link in
    AuditSeal(entryHash: randomBytes(32), signature: randomBytes(32))
}

@Suite("Store conformance: the unit of work", .timeLimit(.minutes(5)))
struct UnitOfWorkConformanceTests {
    @Test("a transaction commits every write and its audit entry together", arguments: StoreBackend.allCases)
    func commits(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let user = makeUser()
            let head = try await store.auditChainHead()
            let entry = try await store.transaction { tx in
                try await tx.createUser(user)
                var locked = try #require(try await tx.userForUpdate(id: user.id))
                locked.failedLoginAttempts = 3
                try await tx.updateUser(locked)
                return try await tx.appendAuditEntry(draft("user.created"), seal: testSeal)
            }
            #expect(try await store.user(id: user.id)?.failedLoginAttempts == 3)
            #expect(entry.id == head.id)
            #expect(try await store.auditChainHead().id == head.id + 1)
        }
    }

    @Test(
        "a throwing body rolls back every write and the entry; its error arrives unchanged",
        arguments: StoreBackend.allCases)
    func rollsBack(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let user = makeUser()
            let head = try await store.auditChainHead()
            await #expect(throws: FlowRefusal()) {
                try await store.transaction { tx in
                    try await tx.createUser(user)
                    _ = try await tx.appendAuditEntry(draft("user.created"), seal: testSeal)
                    // An operation that opens a transaction of its own joins this one, and rolls back with it.
                    try await tx.replaceRecoveryCodes(userID: user.id, codeHashes: [randomBytes()], now: Clock.now)
                    throw FlowRefusal()
                }
            }
            #expect(try await store.user(id: user.id) == nil)
            #expect(try await store.auditChainHead() == head)
            #expect(try await store.auditEntries(after: 0, limit: 10).isEmpty)
        }
    }

    @Test("a database error inside a transaction is a StoreError and rolls back", arguments: StoreBackend.allCases)
    func storeErrors(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let user = makeUser()
            try await store.createUser(user)
            let twin = UserRecord(email: user.email, passwordHash: user.passwordHash, createdAt: Clock.now)
            let other = makeUser()
            await expectStoreError(.duplicateEmail) {
                try await store.transaction { tx in
                    try await tx.createUser(other)
                    try await tx.createUser(twin)
                }
            }
            #expect(try await store.user(id: other.id) == nil)
        }
    }

    @Test(
        "concurrent read-decide-write steps under userForUpdate are exact across two stores",
        arguments: StoreBackend.allCases)
    func lockedSteps(backend: StoreBackend) async throws {
        try await backend.withStores { first, second in
            let user = makeUser()
            try await first.createUser(user)
            _ = try await race(20, first, second) { store in
                try await store.transaction { tx in
                    var row = try #require(try await tx.userForUpdate(id: user.id))
                    row.failedLoginAttempts += 1
                    try await tx.updateUser(row)
                }
            }
            #expect(try await first.user(id: user.id)?.failedLoginAttempts == 20)
        }
    }

    @Test("MFA challenges: create, lock, update, expire", arguments: StoreBackend.allCases)
    func challenges(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let user = makeUser()
            try await store.createUser(user)
            var challenge = MFAChallengeRecord(
                userID: user.id, challengeHash: randomBytes(), deviceInfo: ["agent": "test"], createdAt: Clock.now,
                expiresAt: Clock.later(300)
            )
            try await store.createMFAChallenge(challenge)
            #expect(try await store.mfaChallengeForUpdate(hash: challenge.challengeHash) == challenge)
            #expect(try await store.mfaChallengeForUpdate(hash: randomBytes()) == nil)
            challenge.failedAttempts = 2
            challenge.consumedAt = Clock.later(10)
            try await store.updateMFAChallenge(challenge)
            #expect(try await store.mfaChallengeForUpdate(hash: challenge.challengeHash) == challenge)
            await expectStoreError(.foreignKey) {
                try await store.createMFAChallenge(
                    MFAChallengeRecord(
                        userID: UUID(), challengeHash: randomBytes(), createdAt: Clock.now, expiresAt: Clock.later(1)
                    )
                )
            }
            #expect(try await store.deleteExpiredMFAChallenges(before: Clock.later(299), limit: 1_000) == 0)
            #expect(try await store.deleteExpiredMFAChallenges(before: Clock.later(301), limit: 1_000) == 1)
        }
    }

    @Test("the lockout columns round-trip", arguments: StoreBackend.allCases)
    func lockoutColumns(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            var user = makeUser()
            user.lastFailedLogin = Clock.later(5)
            user.temporaryLockouts = 2
            user.disabledAt = Clock.later(6)
            user.lockedUntil = .distantFuture
            try await store.createUser(user)
            #expect(try await store.user(id: user.id) == user)
        }
    }
}
