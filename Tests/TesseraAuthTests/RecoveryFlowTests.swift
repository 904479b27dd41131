import Foundation
import TesseraAuth
import TesseraCrypto
import TesseraStore
import Testing

/// Runs `count` copies of `body` at once, alternating between two flows (two replicas), and collects the results.
func concurrently<T: Sendable>(
    _ count: Int,
    _ first: AuthFlows,
    _ second: AuthFlows,
    _ body: @escaping @Sendable (AuthFlows, Int) async throws -> T
) async throws -> [T] {
    try await withThrowingTaskGroup(of: T.self) { group in
        for index in 0..<count {
            let flows = index.isMultiple(of: 2) ? first : second
            group.addTask { try await body(flows, index) }
        }
        var results: [T] = []
        for try await result in group { results.append(result) }
        return results
    }
}

@Suite("Auth flows: invitations", .timeLimit(.minutes(5)))
struct InvitationFlowTests {
    @Test(
        "an invitation's code registers users with its role, once per use; refusals take no use",
        arguments: AuthBackend.allCases)
    func redemption(backend: AuthBackend) async throws {
        try await backend.with { h, _ in
            let admin = try await registered(h.flows, newEmail())
            let created = try await h.flows.createInvitation(role: .viewer, maxUses: 2, createdBy: admin)
            #expect(created.invitation.state == .active)
            #expect(created.code.reveal().hasPrefix("tsi_"))
            let code = created.code.reveal()

            // A refused password and a taken address take no use.
            guard
                case .passwordRefused = try await h.flows.register(
                    email: newEmail(), password: "short", invitationCode: code)
            else { Issue.record("a common password was accepted"); return }
            let taken = newEmail()
            _ = try await registered(h.flows, taken)
            await expectAuthError(.alreadyExists) {
                _ = try await h.flows.register(email: taken, password: goodPassword, invitationCode: code)
            }
            #expect(try await h.flows.invitation(id: created.invitation.id).uses == 0)

            for _ in 0..<2 {
                guard
                    case .registered(let id) = try await h.flows.register(
                        email: newEmail(), password: goodPassword, invitationCode: code)
                else { Issue.record("the invitation did not redeem"); return }
                #expect(try await h.flows.user(id: id).role == .viewer)
            }
            let exhausted = try await h.flows.register(email: newEmail(), password: goodPassword, invitationCode: code)
            guard case .invitationRefused(.exhausted) = exhausted else { Issue.record("\(exhausted)"); return }
            let summary = try await h.flows.invitation(id: created.invitation.id)
            #expect(summary.uses == 2 && summary.remaining == 0 && summary.state == .exhausted)
            #expect(summary.createdBy == admin)

            let unknown = try await h.flows.register(
                email: newEmail(), password: goodPassword, invitationCode: OpaqueToken.generate(.invitation).reveal())
            guard case .invitationRefused(.unknown) = unknown else { Issue.record("\(unknown)"); return }

            let audit = try await h.auditEntries().map(\.action)
            #expect(audit.contains("invitation.created"))
            #expect(audit.filter { $0 == "user.registration-refused" }.count == 2)
        }
    }

    @Test(
        "a bound invitation redeems only for its address; revoked and expired ones are refused",
        arguments: AuthBackend.allCases)
    func boundRevokedExpired(backend: AuthBackend) async throws {
        try await backend.with { h, _ in
            let bound = try await h.flows.createInvitation(email: "Invitee@Example.com")
            #expect(bound.invitation.email == "invitee@example.com")
            let wrong = try await h.flows.register(
                email: newEmail(), password: goodPassword, invitationCode: bound.code.reveal())
            guard case .invitationRefused(.wrongEmail) = wrong else { Issue.record("\(wrong)"); return }
            #expect(try await h.flows.invitation(id: bound.invitation.id).uses == 0)
            guard
                case .registered = try await h.flows.register(
                    email: "invitee@example.com", password: goodPassword, invitationCode: bound.code.reveal())
            else { Issue.record("the bound invitation did not redeem for its address"); return }

            let revocable = try await h.flows.createInvitation(maxUses: 5)
            #expect(try await h.flows.revokeInvitation(id: revocable.invitation.id))
            #expect(try await h.flows.revokeInvitation(id: revocable.invitation.id) == false)
            await expectAuthError(.notFound) { _ = try await h.flows.revokeInvitation(id: UUID()) }
            let revoked = try await h.flows.register(
                email: newEmail(), password: goodPassword, invitationCode: revocable.code.reveal())
            guard case .invitationRefused(.revoked) = revoked else { Issue.record("\(revoked)"); return }

            let short = try await h.flows.createInvitation(lifetime: .seconds(60))
            h.clock.advance(61)
            let expired = try await h.flows.register(
                email: newEmail(), password: goodPassword, invitationCode: short.code.reveal())
            guard case .invitationRefused(.expired) = expired else { Issue.record("\(expired)"); return }
            #expect(try await h.flows.invitation(id: short.invitation.id).state == .expired)

            let page = try await h.flows.invitations(limit: 2)
            let rest = try await h.flows.invitations(after: page.last?.id, limit: 10)
            #expect(
                Set((page + rest).map(\.id)) == [bound.invitation.id, revocable.invitation.id, short.invitation.id])
        }
    }

    @Test("bad invitation input is INVALID_ARGUMENT (or NOT_FOUND) and writes nothing", arguments: AuthBackend.allCases)
    func badInput(backend: AuthBackend) async throws {
        try await backend.with { h, _ in
            let before = try await h.auditEntries().count
            await expectAuthError(.invalidArgument) { _ = try await h.flows.createInvitation(maxUses: 0) }
            await expectAuthError(.invalidArgument) { _ = try await h.flows.createInvitation(maxUses: 10_001) }
            await expectAuthError(.invalidArgument) { _ = try await h.flows.createInvitation(lifetime: .seconds(59)) }
            await expectAuthError(.invalidArgument) {
                _ = try await h.flows.createInvitation(lifetime: .seconds(91 * 86_400))
            }
            await expectAuthError(.invalidArgument) { _ = try await h.flows.createInvitation(email: "not-an-email") }
            await expectAuthError(.notFound) { _ = try await h.flows.createInvitation(createdBy: UUID()) }
            await expectAuthError(.invalidArgument) { _ = try await h.flows.invitations(limit: 0) }
            // A malformed code: refused before any database read.
            var corrupted = Array(OpaqueToken.generate(.invitation).reveal())
            corrupted[10] = corrupted[10] == "a" ? "b" : "a"
            for code in [String(corrupted), OpaqueToken.generate(.passwordReset).reveal(), "tsi_short"] {
                await expectAuthError(.invalidArgument) {
                    _ = try await h.flows.register(email: newEmail(), password: goodPassword, invitationCode: code)
                }
            }
            #expect(try await h.auditEntries().count == before)
            #expect(try await h.flows.invitations().isEmpty)
        }
    }

    @Test("registration can require an invitation", arguments: AuthBackend.allCases)
    func required(backend: AuthBackend) async throws {
        let policy = AuthPolicy(invitations: InvitationPolicy(requiredForRegistration: true))
        try await backend.with(policy: policy) { h, _ in
            await expectAuthError(.failedPrecondition) {
                _ = try await h.flows.register(email: newEmail(), password: goodPassword)
            }
            let invitation = try await h.flows.createInvitation()
            guard
                case .registered = try await h.flows.register(
                    email: newEmail(), password: goodPassword, invitationCode: invitation.code.reveal())
            else { Issue.record("an invited registration was refused"); return }
        }
    }

    @Test(
        "50 concurrent registrations on two replicas with one invitation of max_uses 10: exactly 10 users",
        arguments: AuthBackend.allCases)
    func race(backend: AuthBackend) async throws {
        try await backend.with { h, second in
            let replica = try await h.replica(second, policy: AuthPolicy())
            let invitation = try await h.flows.createInvitation(role: .admin, maxUses: 10)
            let code = invitation.code.reveal()
            let outcomes = try await concurrently(50, h.flows, replica) { flows, index in
                try await flows.register(
                    email: "racer-\(index)@example.com", password: goodPassword, invitationCode: code)
            }
            let created = outcomes.compactMap { outcome -> UUID? in
                if case .registered(let id) = outcome { return id }
                return nil
            }
            #expect(created.count == 10)
            #expect(
                outcomes.filter {
                    if case .invitationRefused(.exhausted) = $0 { return true }
                    return false
                }.count == 40)
            for id in created { #expect(try await h.flows.user(id: id).role == .admin) }
            #expect(try await h.flows.invitation(id: invitation.invitation.id).uses == 10)
        }
    }
}

@Suite("Auth flows: password resets and email verification", .timeLimit(.minutes(5)))
struct ResetFlowTests {
    func ticket(_ result: PasswordResetRequestResult) throws -> PasswordResetTicket {
        guard case .issued(let ticket) = result else { throw AuthError(.failedPrecondition, "no ticket") }
        return ticket
    }

    @Test(
        "a link reset sets the password once, revokes every session, clears the lockout",
        arguments: AuthBackend.allCases)
    func linkReset(backend: AuthBackend) async throws {
        let policy = AuthPolicy(lockout: LockoutPolicy(maxFailures: 2))
        try await backend.with(policy: policy) { h, _ in
            let email = newEmail()
            let id = try await registered(h.flows, email)
            _ = try await signedIn(h.flows, email)
            _ = try await signedIn(h.flows, email)
            for _ in 0..<2 { _ = try await h.flows.authenticate(email: email, password: "wrong password here") }
            #expect(try await h.flows.user(id: id).lockedUntil != nil)

            let first = try ticket(try await h.flows.requestPasswordReset(email: email.uppercased()))
            #expect(first.secret.hasPrefix("tsp_"))
            let second = try ticket(try await h.flows.requestPasswordReset(email: email))
            #expect(
                try await h.flows.resetPassword(token: first.secret, newPassword: "a new passphrase")
                    == .refused(.superseded))
            #expect(
                try await h.flows.resetPassword(token: second.secret, newPassword: "short")
                    == .passwordRefused(.tooShort))
            #expect(
                try await h.flows.resetPassword(token: second.secret, newPassword: "a new passphrase")
                    == .reset(userID: id, revokedSessions: 2))
            #expect(
                try await h.flows.resetPassword(token: second.secret, newPassword: "another passphrase")
                    == .refused(.used))
            let summary = try await h.flows.user(id: id)
            #expect(summary.lockedUntil == nil && summary.failedLoginAttempts == 0)
            #expect(try await h.flows.sessions(of: id).isEmpty)
            _ = try await signedIn(h.flows, email, "a new passphrase")
            let actions = try await h.auditEntries().map(\.action)
            #expect(actions.contains("password-reset.completed"))

            let late = try ticket(try await h.flows.requestPasswordReset(email: email))
            h.clock.advance(3601)
            #expect(
                try await h.flows.resetPassword(token: late.secret, newPassword: "a new passphrase")
                    == .refused(.expired))
            #expect(
                try await h.flows.resetPassword(
                    token: OpaqueToken.generate(.passwordReset).reveal(), newPassword: "a new passphrase")
                    == .refused(.unknown))
        }
    }

    @Test(
        "unknown addresses get no ticket, the same audit shape, and the same per-address limit",
        arguments: AuthBackend.allCases)
    func noEnumeration(backend: AuthBackend) async throws {
        let policy = AuthPolicy(
            resets: PasswordResetPolicy(requestsPerAccountPerHour: 2, requestsPerAddressPerMinute: 0))
        try await backend.with(policy: policy) { h, _ in
            let known = newEmail()
            _ = try await registered(h.flows, known)
            let unknown = newEmail()
            guard case .noAccount = try await h.flows.requestPasswordReset(email: unknown) else {
                Issue.record("an unknown address got a ticket"); return
            }
            _ = try await h.flows.requestPasswordReset(email: unknown)
            _ = try await h.flows.requestPasswordReset(email: known)
            _ = try await h.flows.requestPasswordReset(email: known)
            await expectAuthError(.resourceExhausted) { _ = try await h.flows.requestPasswordReset(email: known) }
            await expectAuthError(.resourceExhausted) { _ = try await h.flows.requestPasswordReset(email: unknown) }
            let entries = try await h.auditEntries().filter { $0.action == "password-reset.requested" }
            #expect(entries.count == 6)
            let disabled = newEmail()
            let disabledID = try await registered(h.flows, disabled)
            try await h.flows.setDisabled(userID: disabledID, true)
            guard case .noAccount = try await h.flows.requestPasswordReset(email: disabled) else {
                Issue.record("a disabled account got a ticket"); return
            }
        }
    }

    @Test(
        "a numeric code: wrong codes count and invalidate it; the right one resets; unknown looks the same",
        arguments: AuthBackend.allCases)
    func codeReset(backend: AuthBackend) async throws {
        try await backend.with { h, _ in
            let email = newEmail()
            let id = try await registered(h.flows, email)
            let code = try ticket(try await h.flows.requestPasswordReset(email: email, delivery: .code(digits: 8)))
            #expect(code.secret.count == 8 && code.secret.allSatisfy(\.isNumber))
            let wrong = code.secret == "00000000" ? "11111111" : "00000000"
            #expect(
                try await h.flows.resetPassword(email: email, code: wrong, newPassword: "a new passphrase")
                    == .refused(.invalidCode))
            #expect(
                try await h.flows.resetPassword(email: email, code: code.secret, newPassword: "a new passphrase")
                    == .reset(userID: id, revokedSessions: 0))
            #expect(
                try await h.flows.resetPassword(email: newEmail(), code: code.secret, newPassword: "a new passphrase")
                    == .refused(.invalidCode))

            let next = try ticket(try await h.flows.requestPasswordReset(email: email, delivery: .code(digits: 6)))
            let other = next.secret == "000000" ? "111111" : "000000"
            for _ in 0..<5 {
                #expect(
                    try await h.flows.resetPassword(email: email, code: other, newPassword: "x new passphrase")
                        == .refused(.invalidCode))
            }
            // Five wrong codes: the right one no longer works.
            #expect(
                try await h.flows.resetPassword(email: email, code: next.secret, newPassword: "x new passphrase")
                    == .refused(.invalidCode))
            await expectAuthError(.invalidArgument) {
                _ = try await h.flows.requestPasswordReset(email: email, delivery: .code(digits: 5))
            }
            await expectAuthError(.invalidArgument) {
                _ = try await h.flows.resetPassword(email: email, code: "12345a", newPassword: "x new passphrase")
            }
        }
    }

    @Test(
        "20 concurrent wrong codes on two replicas use up exactly the allowed attempts", arguments: AuthBackend.allCases
    )
    func codeAttemptRace(backend: AuthBackend) async throws {
        try await backend.with { h, second in
            let replica = try await h.replica(second, policy: AuthPolicy())
            let email = newEmail()
            let id = try await registered(h.flows, email)
            let code = try ticket(try await h.flows.requestPasswordReset(email: email, delivery: .code(digits: 6)))
            let wrong = code.secret == "000000" ? "111111" : "000000"
            _ = try await concurrently(20, h.flows, replica) { flows, _ in
                try await flows.resetPassword(email: email, code: wrong, newPassword: "a new passphrase")
            }
            let stored = try await h.store.livePasswordResetForUpdate(userID: id, kind: .code, now: h.clock.now)
            #expect(stored == nil)
            let failures = try await h.auditEntries().filter { $0.action == "password-reset.refused" }.count
            #expect(failures == 20)
        }
    }

    @Test(
        "20 concurrent Consume of one reset token on two replicas: exactly one succeeds",
        arguments: AuthBackend.allCases)
    func consumeRace(backend: AuthBackend) async throws {
        try await backend.with { h, second in
            let replica = try await h.replica(second, policy: AuthPolicy())
            let email = newEmail()
            _ = try await registered(h.flows, email)
            let token = try ticket(try await h.flows.requestPasswordReset(email: email)).secret
            let outcomes = try await concurrently(20, h.flows, replica) { flows, index in
                try await flows.resetPassword(token: token, newPassword: "new passphrase \(index)")
            }
            let winners = outcomes.filter {
                if case .reset = $0 { return true }
                return false
            }
            #expect(winners.count == 1)
            #expect(outcomes.filter { $0 == .refused(.used) }.count == 19)
            #expect(try await h.auditEntries().filter { $0.action == "password-reset.completed" }.count == 1)
        }
    }

    @Test("malformed tokens are refused before any database read", arguments: AuthBackend.allCases)
    func malformed(backend: AuthBackend) async throws {
        try await backend.with { h, _ in
            let before = try await h.auditEntries().count
            var corrupted = Array(OpaqueToken.generate(.passwordReset).reveal())
            corrupted[12] = corrupted[12] == "a" ? "b" : "a"
            for token in [String(corrupted), OpaqueToken.generate(.refresh).reveal(), "", "tsp_"] {
                await expectAuthError(.invalidArgument) {
                    _ = try await h.flows.resetPassword(token: token, newPassword: "a new passphrase")
                }
            }
            for token in [OpaqueToken.generate(.passwordReset).reveal(), "tsv_x"] {
                await expectAuthError(.invalidArgument) { _ = try await h.flows.confirmEmail(token: token) }
            }
            await expectAuthError(.invalidArgument) { _ = try await h.flows.requestPasswordReset(email: "nope") }
            #expect(try await h.auditEntries().count == before)
        }
    }

    @Test(
        "email verification: single use, expiring, bound to the address; sign-in may require it",
        arguments: AuthBackend.allCases)
    func emailVerification(backend: AuthBackend) async throws {
        let policy = AuthPolicy(emailVerification: EmailVerificationPolicy(requiredForSignIn: true))
        try await backend.with(policy: policy) { h, _ in
            let email = newEmail()
            let id = try await registered(h.flows, email)
            #expect(try await h.flows.authenticate(email: email, password: goodPassword).isEmailNotVerified)
            #expect(try await h.flows.authenticate(email: email, password: "wrong wrong wrong").isInvalid)
            let stale = try await h.flows.requestEmailVerification(userID: id)
            h.clock.advance(86_401)
            #expect(try await h.flows.confirmEmail(token: stale.token.reveal()) == .refused(.expired))
            let fresh = try await h.flows.requestEmailVerification(userID: id)
            #expect(fresh.token.reveal().hasPrefix("tsv_"))
            #expect(try await h.flows.confirmEmail(token: fresh.token.reveal()) == .verified(userID: id))
            #expect(try await h.flows.confirmEmail(token: fresh.token.reveal()) == .refused(.used))
            #expect(
                try await h.flows.confirmEmail(token: OpaqueToken.generate(.emailVerification).reveal())
                    == .refused(.unknown))
            #expect(try await h.flows.user(id: id).verified)
            _ = try await signedIn(h.flows, email)
            await expectAuthError(.failedPrecondition) { _ = try await h.flows.requestEmailVerification(userID: id) }
            await expectAuthError(.notFound) { _ = try await h.flows.requestEmailVerification(userID: UUID()) }

            // A token sent to an address the account no longer has does not verify it.
            let other = newEmail()
            let otherID = try await registered(h.flows, other)
            let pending = try await h.flows.requestEmailVerification(userID: otherID)
            var row = try #require(try await h.store.user(id: otherID))
            row.email = newEmail()
            try await h.store.updateUser(row)
            #expect(try await h.flows.confirmEmail(token: pending.token.reveal()) == .refused(.emailChanged))
            #expect(try await h.flows.user(id: otherID).verified == false)
            try await h.flows.setEmailVerified(userID: otherID)
            #expect(try await h.flows.user(id: otherID).verified)
        }
    }
}

extension AuthenticationOutcome {
    var isEmailNotVerified: Bool {
        if case .emailNotVerified = self { return true }
        return false
    }
    var isInvalid: Bool {
        if case .invalidCredentials = self { return true }
        return false
    }
}
