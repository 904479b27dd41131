import Foundation
import TesseraStore
import Testing

@Suite("Store conformance: users and provider keys", .timeLimit(.minutes(5)))
struct UserStoreConformanceTests {
    @Test("users: create, read by id and email, update, delete", arguments: StoreBackend.allCases)
    func userCRUD(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            var user = makeUser(role: .admin)
            user.sealedTOTPSecret = randomBytes(60)
            user.settings = ["theme": "dark", "locale": "fr"]
            try await store.createUser(user)

            #expect(try await store.user(id: user.id) == user)
            #expect(try await store.user(email: user.email) == user)
            #expect(try await store.user(id: UUID()) == nil)
            #expect(try await store.user(email: "nobody@example.com") == nil)

            user.email = "renamed-\(UUID().uuidString.lowercased())@example.org"
            user.verified = true
            user.role = .viewer
            user.sealedTOTPSecret = nil
            user.updatedAt = Clock.later(60)
            user.lockedUntil = Clock.later(600)
            user.settings = [:]
            try await store.updateUser(user)
            #expect(try await store.user(id: user.id) == user)

            await expectStoreError(.notFound) { try await store.updateUser(makeUser()) }
            #expect(try await store.deleteUser(id: user.id))
            #expect(try await store.deleteUser(id: user.id) == false)
            #expect(try await store.user(id: user.id) == nil)
        }
    }

    @Test("users: duplicate email and malformed values are typed errors", arguments: StoreBackend.allCases)
    func userConstraints(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let user = makeUser()
            try await store.createUser(user)

            var twin = makeUser()
            twin.email = user.email
            do {
                try await store.createUser(twin)
                Issue.record("a duplicate email was accepted")
            } catch let error as StoreError {
                #expect(error.code == .duplicateEmail)
                #expect(error.code.isUniqueViolation)
                // Nothing from the row reaches the error text.
                #expect(!"\(error)".contains(user.email))
                #expect(!"\(error)".contains("example"))
            }

            var sameID = makeUser()
            sameID.id = user.id
            await expectStoreError(.duplicateID) { try await store.createUser(sameID) }

            for email in ["no-at-sign", "two@@example.com", "spaces in@example.com", "a@b", "@example.com"] {
                var bad = makeUser()
                bad.email = email
                await expectStoreError(.invalidValue) { try await store.createUser(bad) }
            }
            var negative = makeUser()
            negative.failedLoginAttempts = -1
            await expectStoreError(.invalidValue) { try await store.createUser(negative) }

            // Renaming onto a taken email is refused the same way.
            let other = makeUser()
            try await store.createUser(other)
            var renamed = other
            renamed.email = user.email
            await expectStoreError(.duplicateEmail) { try await store.updateUser(renamed) }
        }
    }

    @Test("users: failed logins count up and lock, a success resets", arguments: StoreBackend.allCases)
    func lockout(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let user = makeUser()
            try await store.createUser(user)
            for expected in 1...2 {
                let count = try await store.recordFailedLogin(
                    userID: user.id, now: Clock.now, lockThreshold: 3, lockDuration: .seconds(300))
                #expect(count == expected)
            }
            #expect(try await store.user(id: user.id)?.lockedUntil == nil)
            let third = try await store.recordFailedLogin(
                userID: user.id, now: Clock.now, lockThreshold: 3, lockDuration: .seconds(300))
            #expect(third == 3)
            #expect(try await store.user(id: user.id)?.lockedUntil == Clock.later(300))

            try await store.recordSuccessfulLogin(userID: user.id, now: Clock.later(400))
            let after = try #require(try await store.user(id: user.id))
            #expect(after.failedLoginAttempts == 0)
            #expect(after.lockedUntil == nil)
            #expect(after.lastLogin == Clock.later(400))

            await expectStoreError(.notFound) {
                _ = try await store.recordFailedLogin(
                    userID: UUID(), now: Clock.now, lockThreshold: 3, lockDuration: .seconds(1))
            }
            await expectStoreError(.notFound) { try await store.recordSuccessfulLogin(userID: UUID(), now: Clock.now) }
        }
    }

    @Test(
        "users: listed by email in byte order, page after page, none skipped or repeated",
        arguments: StoreBackend.allCases)
    func listing(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            #expect(try await store.users(after: nil, limit: 10).isEmpty)
            // Byte order, not a locale's: upper case before lower, '-' before '.' before letters, a prefix first.
            let emails = [
                "bob@example.com", "Zed@example.com", "a.b@example.com", "a-b@example.com", "ab@example.com",
                "ab@example.co", "carol@example.org",
            ]
            var created: [UserRecord] = []
            for email in emails {
                var user = makeUser()
                user.email = email
                try await store.createUser(user)
                created.append(user)
            }
            let expected = created.sorted { Array($0.email.utf8).lexicographicallyPrecedes(Array($1.email.utf8)) }
            #expect(try await store.users(after: nil, limit: 100) == expected)

            var pages: [[UserRecord]] = []
            var after: String?
            while true {
                let page = try await store.users(after: after, limit: 3)
                if page.isEmpty { break }
                pages.append(page)
                after = page.last?.email
            }
            #expect(pages.map(\.count) == [3, 3, 1])
            #expect(pages.flatMap { $0 } == expected)

            // `after` need not be a stored email: the page starts at the next one.
            #expect(try await store.users(after: "b", limit: 1).map(\.email) == ["bob@example.com"])
            #expect(try await store.users(after: "zzz", limit: 5).isEmpty)
            await expectStoreError(.invalidValue) { _ = try await store.users(after: nil, limit: 0) }
        }
    }

    @Test("failed logins counted concurrently are never lost", arguments: StoreBackend.allCases)
    func concurrentFailures(backend: StoreBackend) async throws {
        try await backend.withStores { first, second in
            let user = makeUser()
            try await first.createUser(user)
            let counts = try await race(20, first, second) { store in
                try await store.recordFailedLogin(
                    userID: user.id, now: Clock.now, lockThreshold: 100, lockDuration: .seconds(1))
            }
            #expect(counts.sorted() == Array(1...20))
            #expect(try await first.user(id: user.id)?.failedLoginAttempts == 20)
        }
    }

    @Test("provider keys: CRUD, one per user and provider type", arguments: StoreBackend.allCases)
    func providerKeys(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let user = makeUser()
            try await store.createUser(user)
            var openai = ProviderKeyRecord(
                userID: user.id, providerName: "OpenAI", providerType: "openai", modelName: "gpt-x",
                encryptedAPIKey: randomBytes(80), encryptedDEK: randomBytes(60), keyLast4Chars: "abcd",
                createdAt: Clock.now)
            let anthropic = ProviderKeyRecord(
                userID: user.id, providerName: "Anthropic", providerType: "anthropic",
                encryptedAPIKey: randomBytes(80), encryptedDEK: randomBytes(60), keyLast4Chars: "wxyz",
                isActive: false, createdAt: Clock.now)
            try await store.createProviderKey(openai)
            try await store.createProviderKey(anthropic)

            #expect(try await store.providerKey(userID: user.id, providerType: "openai") == openai)
            #expect(try await store.providerKeys(userID: user.id) == [anthropic, openai])
            #expect(try await store.providerKey(userID: user.id, providerType: "mistral") == nil)

            var twin = anthropic
            twin.id = UUID()
            await expectStoreError(.duplicateProvider) { try await store.createProviderKey(twin) }

            var orphan = openai
            orphan.id = UUID()
            orphan.userID = UUID()
            await expectStoreError(.foreignKey) { try await store.createProviderKey(orphan) }

            openai.encryptedAPIKey = randomBytes(90)
            openai.encryptedDEK = randomBytes(61)
            openai.modelName = nil
            openai.keyLast4Chars = "efgh"
            openai.updatedAt = Clock.later(10)
            try await store.updateProviderKey(openai)
            #expect(try await store.providerKey(userID: user.id, providerType: "openai") == openai)

            var missing = openai
            missing.id = UUID()
            await expectStoreError(.notFound) { try await store.updateProviderKey(missing) }

            #expect(try await store.deleteProviderKey(id: anthropic.id))
            #expect(try await store.providerKeys(userID: user.id) == [openai])

            // Deleting the user takes their keys with them.
            #expect(try await store.deleteUser(id: user.id))
            #expect(try await store.providerKeys(userID: user.id).isEmpty)
        }
    }

    @Test("TOTP: a time step is accepted once and never an older one", arguments: StoreBackend.allCases)
    func totpReplay(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let user = makeUser()
            try await store.createUser(user)
            #expect(try await store.acceptTOTPStep(userID: user.id, step: 1000))
            #expect(try await store.acceptTOTPStep(userID: user.id, step: 1000) == false)
            #expect(try await store.acceptTOTPStep(userID: user.id, step: 999) == false)
            #expect(try await store.acceptTOTPStep(userID: user.id, step: 1001))
            await expectStoreError(.foreignKey) { _ = try await store.acceptTOTPStep(userID: UUID(), step: 1) }
        }
    }

    @Test("TOTP: one step raced by 20 callers is accepted exactly once", arguments: StoreBackend.allCases)
    func totpReplayRace(backend: StoreBackend) async throws {
        try await backend.withStores { first, second in
            let user = makeUser()
            try await first.createUser(user)
            let accepted = try await race(20, first, second) { store in
                try await store.acceptTOTPStep(userID: user.id, step: 5000)
            }.filter { $0 }.count
            #expect(accepted == 1)
        }
    }

    @Test("recovery codes: replaced as a set, each consumed once", arguments: StoreBackend.allCases)
    func recoveryCodes(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let user = makeUser()
            try await store.createUser(user)
            let codes = (0..<10).map { _ in randomBytes() }
            try await store.replaceRecoveryCodes(userID: user.id, codeHashes: codes, now: Clock.now)
            #expect(try await store.remainingRecoveryCodes(userID: user.id) == 10)

            #expect(try await store.consumeRecoveryCode(userID: user.id, codeHash: codes[3], now: Clock.now))
            #expect(try await store.consumeRecoveryCode(userID: user.id, codeHash: codes[3], now: Clock.now) == false)
            #expect(
                try await store.consumeRecoveryCode(userID: user.id, codeHash: randomBytes(), now: Clock.now) == false)
            #expect(try await store.remainingRecoveryCodes(userID: user.id) == 9)

            // Another user's code is not this user's.
            let other = makeUser()
            try await store.createUser(other)
            #expect(try await store.consumeRecoveryCode(userID: other.id, codeHash: codes[4], now: Clock.now) == false)

            // A duplicate inside the new set rolls the whole replacement back.
            let fresh = randomBytes()
            await expectStoreError(.duplicateRecoveryCode) {
                try await store.replaceRecoveryCodes(userID: user.id, codeHashes: [fresh, fresh], now: Clock.now)
            }
            #expect(try await store.remainingRecoveryCodes(userID: user.id) == 9)

            try await store.replaceRecoveryCodes(userID: user.id, codeHashes: [fresh], now: Clock.now)
            #expect(try await store.remainingRecoveryCodes(userID: user.id) == 1)
            #expect(try await store.consumeRecoveryCode(userID: user.id, codeHash: codes[5], now: Clock.now) == false)
        }
    }
}
