import Foundation
import TesseraStore
import Testing

/// Migration 8's operations: invitations bound to an email and listed, reset requests with their limit and
/// invalidation, codes with attempts, email verification tokens.
@Suite("Store conformance: account recovery (migration 8)", .timeLimit(.minutes(5)))
struct AccountRecoveryConformanceTests {

    @Test("invitations: bound email kept, read by id, listed in id pages", arguments: StoreBackend.allCases)
    func invitationListing(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            var made: [InvitationRecord] = []
            for index in 0..<5 {
                let invitation = InvitationRecord(
                    codeHash: randomBytes(), expiresAt: Clock.later(3600), createdAt: Clock.now,
                    email: index == 0 ? "bound@example.com" : nil)
                try await store.createInvitation(invitation)
                made.append(invitation)
            }
            #expect(try await store.invitation(id: made[0].id)?.email == "bound@example.com")
            #expect(try await store.invitation(id: UUID()) == nil)
            let sorted = made.sorted { $0.id.uuidString.lowercased() < $1.id.uuidString.lowercased() }
            let first = try await store.invitations(after: nil, limit: 3)
            #expect(first == Array(sorted.prefix(3)))
            let rest = try await store.invitations(after: first.last?.id, limit: 3)
            #expect(rest == Array(sorted.suffix(2)))
            await expectStoreError(.invalidValue) { _ = try await store.invitations(after: nil, limit: 0) }
            if case .redeemed(let record) = try await store.redeemInvitation(codeHash: made[0].codeHash, now: Clock.now)
            {
                #expect(record.email == "bound@example.com")
            } else {
                Issue.record("the bound invitation did not redeem")
            }
        }
    }

    @Test(
        "reset requests: the limit counts by subject, with or without an account; a new one invalidates the old",
        arguments: StoreBackend.allCases)
    func requestLimitAndInvalidation(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let user = makeUser()
            try await store.createUser(user)
            let subject = randomBytes()
            func request(_ at: Double) -> (PasswordResetRequest, PasswordResetRecord) {
                let reset = PasswordResetRecord(
                    userID: user.id, tokenHash: randomBytes(), expiresAt: Clock.later(at + 3600),
                    createdAt: Clock.later(at))
                return (
                    PasswordResetRequest(
                        subjectHash: subject, reset: reset, now: Clock.later(at), window: .seconds(3600), limit: 2),
                    reset
                )
            }
            let (firstRequest, firstReset) = request(0)
            #expect(try await store.requestPasswordReset(firstRequest) == .recorded)
            #expect(try await store.passwordReset(tokenHash: firstReset.tokenHash)?.isLive(at: Clock.later(1)) == true)
            let (secondRequest, secondReset) = request(10)
            #expect(try await store.requestPasswordReset(secondRequest) == .recorded)
            #expect(try await store.passwordReset(tokenHash: firstReset.tokenHash)?.invalidatedAt == Clock.later(10))
            #expect(
                try await store.consumePasswordReset(tokenHash: firstReset.tokenHash, now: Clock.later(11))
                    == .invalidated)
            // Over the limit: nothing written, the live reset stays live.
            let (thirdRequest, thirdReset) = request(20)
            #expect(try await store.requestPasswordReset(thirdRequest) == .limited)
            #expect(try await store.passwordReset(tokenHash: thirdReset.tokenHash) == nil)
            #expect(try await store.passwordReset(tokenHash: secondReset.tokenHash)?.invalidatedAt == nil)
            // The window slides: an hour after the first request, one more is admitted.
            let (later, _) = request(3601)
            #expect(try await store.requestPasswordReset(later) == .recorded)

            // A subject without an account is counted the same way, and nothing else is written.
            let stranger = randomBytes()
            for _ in 0..<2 {
                let unknown = PasswordResetRequest(
                    subjectHash: stranger, reset: nil, now: Clock.now, window: .seconds(3600), limit: 2)
                #expect(try await store.requestPasswordReset(unknown) == .recorded)
            }
            let unknown = PasswordResetRequest(
                subjectHash: stranger, reset: nil, now: Clock.now, window: .seconds(3600), limit: 2)
            #expect(try await store.requestPasswordReset(unknown) == .limited)
            #expect(try await store.passwordReset(tokenHash: secondReset.tokenHash)?.invalidatedAt != nil)

            // Requests at 0 (three), 10 and 3601: four before 100, in batches.
            #expect(try await store.deletePasswordResetRequests(before: Clock.later(100), limit: 3) == 3)
            #expect(try await store.deletePasswordResetRequests(before: Clock.later(100), limit: 3) == 1)
            #expect(try await store.deletePasswordResetRequests(before: Clock.later(100), limit: 3) == 0)
        }
    }

    @Test(
        "codes: the live one is found, attempts are kept, a code is never consumed as a link",
        arguments: StoreBackend.allCases)
    func codeResets(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let user = makeUser()
            try await store.createUser(user)
            let code = PasswordResetRecord(
                userID: user.id, tokenHash: randomBytes(), expiresAt: Clock.later(600), createdAt: Clock.now,
                kind: .code)
            let request = PasswordResetRequest(
                subjectHash: randomBytes(), reset: code, now: Clock.now, window: .seconds(3600), limit: 5)
            #expect(try await store.requestPasswordReset(request) == .recorded)
            #expect(try await store.livePasswordResetForUpdate(userID: user.id, kind: .link, now: Clock.now) == nil)
            var live = try #require(
                try await store.livePasswordResetForUpdate(userID: user.id, kind: .code, now: Clock.now))
            #expect(live == code)
            #expect(try await store.consumePasswordReset(tokenHash: code.tokenHash, now: Clock.now) == .notFound)
            live.failedAttempts = 5
            live.invalidatedAt = Clock.later(1)
            try await store.updatePasswordReset(live)
            #expect(try await store.passwordReset(tokenHash: code.tokenHash) == live)
            #expect(try await store.livePasswordResetForUpdate(userID: user.id, kind: .code, now: Clock.now) == nil)
            await expectStoreError(.notFound) {
                try await store.updatePasswordReset(
                    PasswordResetRecord(userID: user.id, tokenHash: [], expiresAt: Clock.now, createdAt: Clock.now))
            }
            #expect(
                try await store.livePasswordResetForUpdate(userID: user.id, kind: .code, now: Clock.later(601)) == nil)
        }
    }

    @Test("email verifications: consumed once, expiry, unknown, swept in batches", arguments: StoreBackend.allCases)
    func emailVerifications(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let user = makeUser()
            try await store.createUser(user)
            let token = EmailVerificationRecord(
                userID: user.id, email: user.email, tokenHash: randomBytes(), createdAt: Clock.now,
                expiresAt: Clock.later(600))
            try await store.createEmailVerification(token)
            var consumed = token
            consumed.consumedAt = Clock.later(1)
            #expect(
                try await store.consumeEmailVerification(tokenHash: token.tokenHash, now: Clock.later(1))
                    == .consumed(consumed))
            #expect(
                try await store.consumeEmailVerification(tokenHash: token.tokenHash, now: Clock.later(2))
                    == .alreadyUsed)
            #expect(try await store.consumeEmailVerification(tokenHash: randomBytes(), now: Clock.now) == .notFound)
            for _ in 0..<3 {
                try await store.createEmailVerification(
                    EmailVerificationRecord(
                        userID: user.id, email: user.email, tokenHash: randomBytes(), createdAt: Clock.now,
                        expiresAt: Clock.later(5)))
            }
            let stale = EmailVerificationRecord(
                userID: user.id, email: user.email, tokenHash: randomBytes(), createdAt: Clock.now,
                expiresAt: Clock.later(5))
            try await store.createEmailVerification(stale)
            #expect(
                try await store.consumeEmailVerification(tokenHash: stale.tokenHash, now: Clock.later(6)) == .expired)
            await expectStoreError(.foreignKey) {
                try await store.createEmailVerification(
                    EmailVerificationRecord(
                        userID: UUID(), email: "x@example.com", tokenHash: randomBytes(), createdAt: Clock.now,
                        expiresAt: Clock.later(5)))
            }
            #expect(try await store.deleteExpiredEmailVerifications(before: Clock.later(100), limit: 3) == 3)
            #expect(try await store.deleteExpiredEmailVerifications(before: Clock.later(100), limit: 3) == 1)
            #expect(try await store.deleteExpiredEmailVerifications(before: Clock.later(100), limit: 3) == 0)
        }
    }
}
