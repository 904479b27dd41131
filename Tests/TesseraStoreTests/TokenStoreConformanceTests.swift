import Foundation
import TesseraStore
import Testing

@Suite("Store conformance: sessions, invitations, password resets", .timeLimit(.minutes(5)))
struct TokenStoreConformanceTests {
    // MARK: Sessions

    @Test("sessions: create, read, revoke, expire", arguments: StoreBackend.allCases)
    func sessionCRUD(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let user = makeUser()
            try await store.createUser(user)
            let first = SessionRecord(
                userID: user.id, refreshTokenHash: randomBytes(), expiresAt: Clock.later(3600),
                deviceInfo: ["agent": "cli/1.0", "ip": "127.0.0.1"], createdAt: Clock.now)
            let second = SessionRecord(
                userID: user.id, refreshTokenHash: randomBytes(), expiresAt: Clock.later(-10), createdAt: Clock.later(1)
            )
            try await store.createSession(first)
            try await store.createSession(second)

            #expect(try await store.session(refreshTokenHash: first.refreshTokenHash) == first)
            #expect(try await store.session(refreshTokenHash: randomBytes()) == nil)
            #expect(try await store.sessions(userID: user.id) == [first, second])
            #expect(first.isCurrent && first.familyID == first.id && first.parentID == nil)

            var twin = SessionRecord(
                userID: user.id, refreshTokenHash: first.refreshTokenHash, expiresAt: Clock.later(1),
                createdAt: Clock.now)
            await expectStoreError(.duplicateRefreshToken) { try await store.createSession(twin) }
            twin = SessionRecord(
                userID: UUID(), refreshTokenHash: randomBytes(), expiresAt: Clock.later(1), createdAt: Clock.now)
            await expectStoreError(.foreignKey) { try await store.createSession(twin) }

            // Expiry: only the expired row goes.
            #expect(try await store.deleteExpiredSessions(before: Clock.now, limit: 1_000) == 1)
            #expect(try await store.sessions(userID: user.id) == [first])

            #expect(try await store.revokeSessionFamily(familyID: first.familyID, now: Clock.later(5)) == 1)
            #expect(try await store.revokeSessionFamily(familyID: first.familyID, now: Clock.later(6)) == 0)
            #expect(try await store.session(refreshTokenHash: first.refreshTokenHash)?.revokedAt == Clock.later(5))

            let third = SessionRecord(
                userID: user.id, refreshTokenHash: randomBytes(), expiresAt: Clock.later(60), createdAt: Clock.now)
            try await store.createSession(third)
            #expect(try await store.revokeSessions(userID: user.id, now: Clock.later(7)) == 1)

            #expect(try await store.deleteUser(id: user.id))
            #expect(try await store.sessions(userID: user.id).isEmpty)
        }
    }

    @Test("refresh rotation: successor, grace, reuse, expiry, revocation", arguments: StoreBackend.allCases)
    func rotationSemantics(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let user = makeUser()
            try await store.createUser(user)
            let root = SessionRecord(
                userID: user.id, refreshTokenHash: randomBytes(), expiresAt: Clock.later(3600), createdAt: Clock.now)
            try await store.createSession(root)

            let hash1 = randomBytes()
            let outcome = try await store.rotateRefreshToken(
                oldHash: root.refreshTokenHash, newHash: hash1, newExpiresAt: Clock.later(7200), now: Clock.later(10),
                graceWindow: .seconds(5))
            guard case .rotated(let successor) = outcome else {
                Issue.record("expected a rotation, got \(outcome)")
                return
            }
            #expect(successor.refreshTokenHash == hash1)
            #expect(successor.familyID == root.id && successor.parentID == root.id)
            #expect(successor.rotationCounter == 1 && successor.isCurrent)
            #expect(try await store.session(refreshTokenHash: hash1) == successor)
            #expect(try await store.session(refreshTokenHash: root.refreshTokenHash)?.rotatedAt == Clock.later(10))

            // Within the grace window, the old token observes the successor and makes nothing new.
            let again = try await store.rotateRefreshToken(
                oldHash: root.refreshTokenHash, newHash: randomBytes(), newExpiresAt: Clock.later(7200),
                now: Clock.later(14), graceWindow: .seconds(5))
            #expect(again == .alreadyRotated(current: successor))
            #expect(try await store.sessions(userID: user.id).count == 2)

            // A taken new hash is refused and changes nothing.
            let other = SessionRecord(
                userID: user.id, refreshTokenHash: randomBytes(), expiresAt: Clock.later(3600), createdAt: Clock.now)
            try await store.createSession(other)
            await expectStoreError(.duplicateRefreshToken) {
                _ = try await store.rotateRefreshToken(
                    oldHash: hash1, newHash: other.refreshTokenHash, newExpiresAt: Clock.later(7200),
                    now: Clock.later(20), graceWindow: .seconds(5))
            }
            #expect(try await store.session(refreshTokenHash: hash1)?.isCurrent == true)

            // After the grace window, reuse of the old token revokes the whole family.
            let replay = try await store.rotateRefreshToken(
                oldHash: root.refreshTokenHash, newHash: randomBytes(), newExpiresAt: Clock.later(7200),
                now: Clock.later(30), graceWindow: .seconds(5))
            #expect(replay == .reuseDetected(familyID: root.id))
            #expect(try await store.session(refreshTokenHash: hash1)?.revokedAt == Clock.later(30))
            #expect(try await store.session(refreshTokenHash: other.refreshTokenHash)?.revokedAt == nil)
            let revoked = try await store.rotateRefreshToken(
                oldHash: hash1, newHash: randomBytes(), newExpiresAt: Clock.later(7200), now: Clock.later(31),
                graceWindow: .seconds(5))
            #expect(revoked == .revoked)

            // Expired and unknown tokens.
            let expired = try await store.rotateRefreshToken(
                oldHash: other.refreshTokenHash, newHash: randomBytes(), newExpiresAt: Clock.later(9000),
                now: Clock.later(4000), graceWindow: .seconds(5))
            #expect(expired == .expired)
            let unknown = try await store.rotateRefreshToken(
                oldHash: randomBytes(), newHash: randomBytes(), newExpiresAt: Clock.later(9000), now: Clock.now,
                graceWindow: .seconds(5))
            #expect(unknown == .notFound)
        }
    }

    @Test(
        "20 concurrent rotations of one refresh token: one successor, the others observe it",
        arguments: StoreBackend.allCases)
    func rotationRace(backend: StoreBackend) async throws {
        try await backend.withStores { first, second in
            let user = makeUser()
            try await first.createUser(user)
            let root = SessionRecord(
                userID: user.id, refreshTokenHash: randomBytes(), expiresAt: Clock.later(3600), createdAt: Clock.now)
            try await first.createSession(root)

            let outcomes = try await race(20, first, second) { store in
                try await store.rotateRefreshToken(
                    oldHash: root.refreshTokenHash, newHash: randomBytes(), newExpiresAt: Clock.later(7200),
                    now: Clock.later(1), graceWindow: .seconds(30))
            }
            let winners = outcomes.compactMap { outcome -> SessionRecord? in
                if case .rotated(let record) = outcome { return record }
                return nil
            }
            let observers = outcomes.compactMap { outcome -> SessionRecord? in
                if case .alreadyRotated(let current) = outcome { return current }
                return nil
            }
            #expect(winners.count == 1)
            #expect(observers.count == 19)
            let winner = try #require(winners.first)
            #expect(observers.allSatisfy { $0 == winner })

            let rows = try await first.sessions(userID: user.id)
            #expect(rows.count == 2)
            #expect(rows.filter(\.isCurrent) == [winner])
        }
    }

    // MARK: Invitations

    @Test("invitations: create, redeem to exhaustion, expiry, revocation", arguments: StoreBackend.allCases)
    func invitationLifecycle(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let admin = makeUser(role: .admin)
            try await store.createUser(admin)
            let invitation = InvitationRecord(
                codeHash: randomBytes(), role: .viewer, maxUses: 2, expiresAt: Clock.later(3600),
                createdBy: admin.id, createdAt: Clock.now)
            try await store.createInvitation(invitation)
            #expect(try await store.invitation(codeHash: invitation.codeHash) == invitation)
            #expect(try await store.invitation(codeHash: randomBytes()) == nil)

            var expected = invitation
            expected.uses = 1
            #expect(
                try await store.redeemInvitation(codeHash: invitation.codeHash, now: Clock.now) == .redeemed(expected))
            expected.uses = 2
            #expect(
                try await store.redeemInvitation(codeHash: invitation.codeHash, now: Clock.now) == .redeemed(expected))
            #expect(try await store.redeemInvitation(codeHash: invitation.codeHash, now: Clock.now) == .exhausted)
            #expect(try await store.redeemInvitation(codeHash: randomBytes(), now: Clock.now) == .notFound)

            let expiring = InvitationRecord(codeHash: randomBytes(), expiresAt: Clock.later(10), createdAt: Clock.now)
            try await store.createInvitation(expiring)
            #expect(try await store.redeemInvitation(codeHash: expiring.codeHash, now: Clock.later(10)) == .expired)

            let revocable = InvitationRecord(codeHash: randomBytes(), expiresAt: Clock.later(100), createdAt: Clock.now)
            try await store.createInvitation(revocable)
            #expect(try await store.revokeInvitation(id: revocable.id, now: Clock.later(1)))
            #expect(try await store.revokeInvitation(id: revocable.id, now: Clock.later(2)) == false)
            #expect(try await store.redeemInvitation(codeHash: revocable.codeHash, now: Clock.later(3)) == .revoked)

            var twin = InvitationRecord(codeHash: invitation.codeHash, expiresAt: Clock.later(1), createdAt: Clock.now)
            await expectStoreError(.duplicateInvitationCode) { try await store.createInvitation(twin) }
            twin = InvitationRecord(
                codeHash: randomBytes(), maxUses: 0, expiresAt: Clock.later(1), createdAt: Clock.now)
            await expectStoreError(.invalidValue) { try await store.createInvitation(twin) }

            #expect(try await store.deleteExpiredInvitations(before: Clock.later(50), limit: 1_000) == 1)
            #expect(try await store.invitation(codeHash: expiring.codeHash) == nil)
            #expect(try await store.invitation(codeHash: revocable.codeHash) != nil)
        }
    }

    @Test(
        "50 concurrent redemptions of an invitation with max_uses 5: exactly 5 succeed",
        arguments: StoreBackend.allCases)
    func invitationRace(backend: StoreBackend) async throws {
        try await backend.withStores { first, second in
            let invitation = InvitationRecord(
                codeHash: randomBytes(), maxUses: 5, expiresAt: Clock.later(3600), createdAt: Clock.now)
            try await first.createInvitation(invitation)
            let outcomes = try await race(50, first, second) { store in
                try await store.redeemInvitation(codeHash: invitation.codeHash, now: Clock.now)
            }
            let uses = outcomes.compactMap { outcome -> Int? in
                if case .redeemed(let record) = outcome { return record.uses }
                return nil
            }
            #expect(uses.sorted() == [1, 2, 3, 4, 5])
            #expect(outcomes.filter { $0 == .exhausted }.count == 45)
            #expect(try await first.invitation(codeHash: invitation.codeHash)?.uses == 5)
        }
    }

    // MARK: Password resets

    @Test("password resets: consumed once, expiry, unknown", arguments: StoreBackend.allCases)
    func resetLifecycle(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let user = makeUser()
            try await store.createUser(user)
            let reset = PasswordResetRecord(
                userID: user.id, tokenHash: randomBytes(), expiresAt: Clock.later(900), createdAt: Clock.now)
            try await store.createPasswordReset(reset)
            #expect(try await store.passwordReset(tokenHash: reset.tokenHash) == reset)

            var used = reset
            used.used = true
            #expect(try await store.consumePasswordReset(tokenHash: reset.tokenHash, now: Clock.now) == .consumed(used))
            #expect(try await store.consumePasswordReset(tokenHash: reset.tokenHash, now: Clock.now) == .alreadyUsed)
            #expect(try await store.consumePasswordReset(tokenHash: randomBytes(), now: Clock.now) == .notFound)

            let stale = PasswordResetRecord(
                userID: user.id, tokenHash: randomBytes(), expiresAt: Clock.later(5), createdAt: Clock.now)
            try await store.createPasswordReset(stale)
            #expect(try await store.consumePasswordReset(tokenHash: stale.tokenHash, now: Clock.later(6)) == .expired)
            #expect(try await store.passwordReset(tokenHash: stale.tokenHash)?.used == false)

            var twin = PasswordResetRecord(
                userID: user.id, tokenHash: reset.tokenHash, expiresAt: Clock.later(5), createdAt: Clock.now)
            await expectStoreError(.duplicateResetToken) { try await store.createPasswordReset(twin) }
            twin = PasswordResetRecord(
                userID: UUID(), tokenHash: randomBytes(), expiresAt: Clock.later(5), createdAt: Clock.now)
            await expectStoreError(.foreignKey) { try await store.createPasswordReset(twin) }

            #expect(try await store.deleteExpiredPasswordResets(before: Clock.later(100), limit: 1_000) == 1)
            #expect(try await store.passwordReset(tokenHash: stale.tokenHash) == nil)
            #expect(try await store.passwordReset(tokenHash: reset.tokenHash) != nil)
        }
    }

    @Test("20 concurrent consumptions of one reset token: exactly one succeeds", arguments: StoreBackend.allCases)
    func resetRace(backend: StoreBackend) async throws {
        try await backend.withStores { first, second in
            let user = makeUser()
            try await first.createUser(user)
            let reset = PasswordResetRecord(
                userID: user.id, tokenHash: randomBytes(), expiresAt: Clock.later(900), createdAt: Clock.now)
            try await first.createPasswordReset(reset)
            let outcomes = try await race(20, first, second) { store in
                try await store.consumePasswordReset(tokenHash: reset.tokenHash, now: Clock.now)
            }
            var used = reset
            used.used = true
            #expect(outcomes.filter { $0 == .consumed(used) }.count == 1)
            #expect(outcomes.filter { $0 == .alreadyUsed }.count == 19)
        }
    }
}
