import Foundation
import TesseraAuth
import TesseraCrypto
import TesseraStore
import Testing

@Suite("Auth flows: accounts and sign-in", .timeLimit(.minutes(5)))
struct AccountFlowTests {
    @Test(
        "register, then sign in with the password: a session of the user's role at AAL1",
        arguments: AuthBackend.allCases)
    func registerAndSignIn(backend: AuthBackend) async throws {
        try await backend.with { h, _ in
            let email = newEmail()
            let id = try await registered(h.flows, email.uppercased())
            let session = try await signedIn(h.flows, email)
            #expect(session.userID == id)
            #expect(session.role == .user)
            #expect(session.assurance == .aal1)
            let summary = try await h.flows.user(id: id)
            #expect(summary.email == email)
            #expect(summary.lastLogin == h.clock.now)
            #expect(!summary.mfaEnabled)
            let actions = try await h.auditEntries().map(\.action)
            #expect(actions == ["user.registered", "auth.succeeded"])
            await expectAuthError(.alreadyExists) {
                _ = try await h.flows.register(email: email, password: goodPassword)
            }
        }
    }

    @Test(
        "unknown email, wrong password, locked and disabled accounts get the same outcome; the audit knows why",
        arguments: AuthBackend.allCases)
    func noEnumeration(backend: AuthBackend) async throws {
        let policy = AuthPolicy(lockout: LockoutPolicy(maxFailures: 2))
        try await backend.with(policy: policy) { h, _ in
            let locked = newEmail()
            let disabled = newEmail()
            let plain = newEmail()
            _ = try await registered(h.flows, locked)
            let disabledID = try await registered(h.flows, disabled)
            _ = try await registered(h.flows, plain)
            for _ in 0..<2 { _ = try await h.flows.authenticate(email: locked, password: "wrong password!") }
            try await h.flows.setDisabled(userID: disabledID, true)

            let before = try await h.auditEntries().count
            let outcomes = [
                try await h.flows.authenticate(email: newEmail(), password: goodPassword),
                try await h.flows.authenticate(email: plain, password: "not the password"),
                try await h.flows.authenticate(email: locked, password: goodPassword),
                try await h.flows.authenticate(email: disabled, password: goodPassword),
            ]
            for outcome in outcomes {
                guard case .invalidCredentials = outcome else {
                    Issue.record("expected invalidCredentials, got \(outcome)")
                    continue
                }
            }
            let reasons = try await h.auditEntries().dropFirst(before).map { $0.payload["reason"] }
            #expect(reasons == ["unknown_email", "wrong_password", "locked", "disabled"])
        }
    }

    @Test(
        "lockout: max failures lock, attempts while locked are not counted, the wait grows, a success resets",
        arguments: AuthBackend.allCases)
    func lockout(backend: AuthBackend) async throws {
        let policy = AuthPolicy(
            lockout: LockoutPolicy(maxFailures: 3, waitIncrement: .seconds(60), maxWait: .seconds(90))
        )
        try await backend.with(policy: policy) { h, _ in
            let email = newEmail()
            let id = try await registered(h.flows, email)
            for _ in 0..<3 { _ = try await h.flows.authenticate(email: email, password: "wrong password!") }
            var user = try await h.flows.user(id: id)
            #expect(user.lockedUntil == h.clock.now.addingTimeInterval(60))
            // The right password while locked: refused, not counted.
            guard case .invalidCredentials = try await h.flows.authenticate(email: email, password: goodPassword) else {
                Issue.record("a locked account signed in")
                return
            }
            #expect(try await h.flows.user(id: id).failedLoginAttempts == 3)
            h.clock.advance(61)
            for _ in 0..<3 { _ = try await h.flows.authenticate(email: email, password: "wrong password!") }
            user = try await h.flows.user(id: id)
            // The second lock is twice the increment, capped at the maximum wait.
            #expect(user.lockedUntil == h.clock.now.addingTimeInterval(90))
            h.clock.advance(91)
            _ = try await signedIn(h.flows, email)
            user = try await h.flows.user(id: id)
            #expect(user.failedLoginAttempts == 0)
            #expect(user.lockedUntil == nil)
        }
    }

    @Test("permanent lockout after N temporary ones, until an administrator unlocks", arguments: AuthBackend.allCases)
    func permanentLockout(backend: AuthBackend) async throws {
        let policy = AuthPolicy(lockout: LockoutPolicy(maxFailures: 1, permanentLockoutAfter: 2))
        try await backend.with(policy: policy) { h, _ in
            let email = newEmail()
            let id = try await registered(h.flows, email)
            _ = try await h.flows.authenticate(email: email, password: "wrong password!")
            h.clock.advance(3600)
            _ = try await h.flows.authenticate(email: email, password: "wrong password!")
            h.clock.advance(86_400 * 365)
            guard case .invalidCredentials = try await h.flows.authenticate(email: email, password: goodPassword) else {
                Issue.record("a permanently locked account signed in")
                return
            }
            try await h.flows.unlock(userID: id)
            _ = try await signedIn(h.flows, email)
        }
    }

    @Test("20 concurrent wrong passwords on two replicas are counted exactly", arguments: AuthBackend.allCases)
    func concurrentFailures(backend: AuthBackend) async throws {
        let policy = AuthPolicy(lockout: LockoutPolicy(maxFailures: 100), authenticationsPerAddressPerMinute: 0)
        try await backend.with(policy: policy) { h, second in
            let email = newEmail()
            let id = try await registered(h.flows, email)
            let other = try await h.replica(second, policy: policy)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<20 {
                    let flows = index.isMultiple(of: 2) ? h.flows : other
                    group.addTask { _ = try await flows.authenticate(email: email, password: "wrong password!") }
                }
                try await group.waitForAll()
            }
            #expect(try await h.flows.user(id: id).failedLoginAttempts == 20)
        }
    }

    @Test(
        "a hash weaker than the policy is replaced at sign-in, in the same transaction; never a stronger one",
        arguments: AuthBackend.allCases)
    func rehashOnLogin(backend: AuthBackend) async throws {
        try await backend.with { h, _ in
            let email = newEmail()
            let id = try await registered(h.flows, email)
            let weak = try PasswordHasher(
                configuration: .init(policy: try PasswordPolicy(memoryKiB: 512, iterations: 1)))
            var row = try #require(try await h.store.user(id: id))
            row.passwordHash = try await weak.hash(goodPassword)
            try await h.store.updateUser(row)
            _ = try await signedIn(h.flows, email)
            let rehashed = try #require(try await h.store.user(id: id)).passwordHash
            #expect(rehashed.contains("m=1024,t=1"))
            #expect(try await h.auditEntries().last?.payload["rehashed"] == "true")

            let strong = try PasswordHasher(
                configuration: .init(policy: try PasswordPolicy(memoryKiB: 2048, iterations: 2)))
            row = try #require(try await h.store.user(id: id))
            row.passwordHash = try await strong.hash(goodPassword)
            try await h.store.updateUser(row)
            _ = try await signedIn(h.flows, email)
            #expect(try #require(try await h.store.user(id: id)).passwordHash == row.passwordHash)
            try await weak.shutdown()
            try await strong.shutdown()
        }
    }

    @Test(
        "changing the password needs the current one, revokes the other sessions, keeps this one",
        arguments: AuthBackend.allCases)
    func changePassword(backend: AuthBackend) async throws {
        try await backend.with { h, _ in
            let email = newEmail()
            let id = try await registered(h.flows, email)
            let kept = try await signedIn(h.flows, email)
            let other = try await signedIn(h.flows, email)
            #expect(
                try await h.flows.changePassword(userID: id, current: "wrong password!", new: "another fine passphrase")
                    == .invalidCredentials
            )
            #expect(
                try await h.flows.changePassword(userID: id, current: goodPassword, new: "short")
                    == .passwordRefused(.tooShort)
            )
            let outcome = try await h.flows.changePassword(
                userID: id, current: goodPassword, new: "another fine passphrase", keepSession: kept.sessionID
            )
            #expect(outcome == .changed(revokedSessions: 1))
            guard case .refused(.revoked) = try await h.flows.refresh(token: other.refreshToken.reveal()) else {
                Issue.record("the other session survived a password change")
                return
            }
            guard case .refreshed = try await h.flows.refresh(token: kept.refreshToken.reveal()) else {
                Issue.record("the changing session was revoked")
                return
            }
            _ = try await signedIn(h.flows, email, "another fine passphrase")
        }
    }

    @Test(
        "password rules: minimum length, context words; refusals are reason codes and write nothing",
        arguments: AuthBackend.allCases)
    func passwordRules(backend: AuthBackend) async throws {
        try await backend.with { h, _ in
            let before = try await h.store.auditChainHead()
            let cases: [(String, String, PasswordRefusal)] = [
                ("alice@example.com", "1234567", .tooShort),
                ("alice@example.com", "alice2024!", .contextual),
                ("bob@example.com", "Tessera123", .contextual),
            ]
            for (email, password, refusal) in cases {
                guard case .passwordRefused(let got) = try await h.flows.register(email: email, password: password)
                else {
                    Issue.record("a password breaking a rule was accepted")
                    continue
                }
                #expect(got == refusal)
            }
            // 64 characters and more are accepted; no composition rules.
            _ = try await registered(h.flows, newEmail(), String(repeating: "long passphrase ", count: 8))
            _ = try await registered(h.flows, newEmail(), "alllowercaseletters")
            #expect(try await h.store.user(email: "alice@example.com") == nil)
            #expect(try await h.store.auditChainHead().id == before.id + 2)
        }
    }
}

@Suite("Auth flows: the lockout step")
struct LockoutStepTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("a failure long after the previous one starts the count again")
    func resetTime() {
        let policy = LockoutPolicy(maxFailures: 3, failureResetTime: .seconds(600))
        var user = UserRecord(email: "a@example.com", passwordHash: "x", createdAt: Self.now)
        user.failedLoginAttempts = 2
        user.lastFailedLogin = Self.now
        let (next, locked) = policy.afterFailure(user, at: Self.now.addingTimeInterval(601))
        #expect(next.failedLoginAttempts == 1)
        #expect(locked == nil)
        let (third, lock) = policy.afterFailure(user, at: Self.now.addingTimeInterval(60))
        #expect(third.failedLoginAttempts == 3)
        #expect(lock == .until(Self.now.addingTimeInterval(120)))
    }

    @Test("settings outside NIST's bound are refused")
    func bounds() {
        #expect(throws: AuthError.self) { try LockoutPolicy(maxFailures: 101).validate() }
        #expect(throws: AuthError.self) { try LockoutPolicy(maxFailures: 0).validate() }
        #expect(throws: AuthError.self) { try PasswordRules(minimumLength: 7).validate() }
        #expect(throws: Never.self) { try AuthPolicy().validate() }
    }
}
