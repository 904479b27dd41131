import Foundation
import TesseraAuth
import TesseraCrypto
import TesseraStore
import Testing

/// Enrols TOTP for a user and returns the secret and the recovery codes.
func enrolled(_ h: AuthBackend.Harness, _ id: UUID) async throws -> (TOTPSecret, [String]) {
    let start = try await h.flows.beginTotpEnrolment(userID: id)
    let code = try TOTP.code(for: start.enrolment.secret, at: h.clock.now)
    guard
        case .done(let codes) = try await h.flows.confirmTotpEnrolment(
            userID: id, enrolmentToken: start.enrolmentToken, code: code
        )
    else {
        Issue.record("a current code did not confirm the enrolment")
        throw AuthError(.failedPrecondition, "not enrolled")
    }
    return (start.enrolment.secret, codes)
}

/// Signs in with the password and returns the MFA challenge.
func challenged(_ h: AuthBackend.Harness, _ email: String) async throws -> String {
    guard case .mfaRequired(let challenge, _) = try await h.flows.authenticate(email: email, password: goodPassword)
    else {
        Issue.record("an enrolled user was not asked for a second factor")
        throw AuthError(.failedPrecondition, "no challenge")
    }
    return challenge.reveal()
}

@Suite("Auth flows: TOTP, recovery codes and the second factor", .timeLimit(.minutes(5)))
struct MFAFlowTests {
    @Test(
        "enrol, then sign in with a TOTP code at AAL2; the same time step is not accepted twice",
        arguments: AuthBackend.allCases)
    func totpSignIn(backend: AuthBackend) async throws {
        try await backend.with { h, _ in
            let email = newEmail()
            let id = try await registered(h.flows, email)
            let (secret, codes) = try await enrolled(h, id)
            #expect(codes.count == 10)
            #expect(try await h.flows.recoveryCodesLeft(userID: id) == 10)
            #expect(try await h.flows.user(id: id).mfaEnabled)
            // The confirming code's step is spent.
            let challenge = try await challenged(h, email)
            let code = try TOTP.code(for: secret, at: h.clock.now)
            guard case .invalidCode(let left) = try await h.flows.completeMfa(challenge: challenge, code: code) else {
                Issue.record("the enrolment's code signed in again")
                return
            }
            #expect(left == 4)
            h.clock.advance(30)
            let next = try TOTP.code(for: secret, at: h.clock.now)
            guard case .session(let session) = try await h.flows.completeMfa(challenge: challenge, code: next) else {
                Issue.record("a fresh code was refused")
                return
            }
            #expect(session.assurance == .aal2)
            // The challenge is single-use.
            guard case .invalidChallenge = try await h.flows.completeMfa(challenge: challenge, code: next) else {
                Issue.record("a challenge was used twice")
                return
            }
            // A new challenge with the same code (same step): replay refused.
            let second = try await challenged(h, email)
            guard case .invalidCode = try await h.flows.completeMfa(challenge: second, code: next) else {
                Issue.record("a TOTP step was accepted twice")
                return
            }
        }
    }

    @Test("a recovery code signs in once; the challenge is used up after its attempts", arguments: AuthBackend.allCases)
    func recoveryCodes(backend: AuthBackend) async throws {
        try await backend.with { h, _ in
            let email = newEmail()
            let id = try await registered(h.flows, email)
            let (_, codes) = try await enrolled(h, id)
            let challenge = try await challenged(h, email)
            guard case .session = try await h.flows.completeMfa(challenge: challenge, code: codes[3].lowercased())
            else {
                Issue.record("a recovery code was refused")
                return
            }
            #expect(try await h.flows.recoveryCodesLeft(userID: id) == 9)
            let again = try await challenged(h, email)
            for attempt in 1...5 {
                guard case .invalidCode(let left) = try await h.flows.completeMfa(challenge: again, code: codes[3])
                else {
                    Issue.record("a used recovery code was accepted")
                    return
                }
                #expect(left == 5 - attempt)
            }
            guard case .invalidChallenge = try await h.flows.completeMfa(challenge: again, code: codes[4]) else {
                Issue.record("a challenge outlived its attempts")
                return
            }
            // Wrong codes count towards the lockout too.
            #expect(try await h.flows.user(id: id).failedLoginAttempts == 5)
        }
    }

    @Test(
        "an enrolment token opens only for its user and before it expires; nothing is stored until confirmed",
        arguments: AuthBackend.allCases)
    func enrolmentBinding(backend: AuthBackend) async throws {
        try await backend.with { h, _ in
            let alice = try await registered(h.flows, newEmail())
            let bob = try await registered(h.flows, newEmail())
            let start = try await h.flows.beginTotpEnrolment(userID: alice)
            #expect(try await h.store.user(id: alice)?.sealedTOTPSecret == nil)
            let code = try TOTP.code(for: start.enrolment.secret, at: h.clock.now)
            await expectAuthError(.invalidArgument) {
                _ = try await h.flows.confirmTotpEnrolment(
                    userID: bob, enrolmentToken: start.enrolmentToken, code: code)
            }
            // A forged expiry does not open either.
            let forged = "9999999999" + start.enrolmentToken.drop { $0 != "." }
            await expectAuthError(.invalidArgument) {
                _ = try await h.flows.confirmTotpEnrolment(userID: alice, enrolmentToken: forged, code: code)
            }
            guard
                case .invalidCode = try await h.flows.confirmTotpEnrolment(
                    userID: alice, enrolmentToken: start.enrolmentToken, code: code == "000000" ? "111111" : "000000"
                )
            else {
                Issue.record("a wrong code confirmed")
                return
            }
            h.clock.advance(16 * 60)
            await expectAuthError(.failedPrecondition) {
                _ = try await h.flows.confirmTotpEnrolment(
                    userID: alice, enrolmentToken: start.enrolmentToken, code: code)
            }
            #expect(try await h.store.user(id: alice)?.sealedTOTPSecret == nil)
        }
    }

    @Test("the stored secret is sealed to its user: another user's row cannot use it", arguments: AuthBackend.allCases)
    func sealedToUser(backend: AuthBackend) async throws {
        try await backend.with { h, _ in
            let aliceEmail = newEmail()
            let bobEmail = newEmail()
            let alice = try await registered(h.flows, aliceEmail)
            let bob = try await registered(h.flows, bobEmail)
            let (secret, _) = try await enrolled(h, alice)
            _ = try await enrolled(h, bob)
            // Copy Alice's sealed secret into Bob's row, as someone with database access might.
            var row = try #require(try await h.store.user(id: bob))
            row.sealedTOTPSecret = try #require(try await h.store.user(id: alice)).sealedTOTPSecret
            try await h.store.updateUser(row)
            h.clock.advance(30)
            let challenge = try await challenged(h, bobEmail)
            await #expect(throws: (any Error).self) {
                _ = try await h.flows.completeMfa(
                    challenge: challenge, code: try TOTP.code(for: secret, at: h.clock.now))
            }
        }
    }

    @Test("disable and regenerate need a current code; reset needs none", arguments: AuthBackend.allCases)
    func manage(backend: AuthBackend) async throws {
        try await backend.with { h, _ in
            let email = newEmail()
            let id = try await registered(h.flows, email)
            let (secret, codes) = try await enrolled(h, id)
            h.clock.advance(30)
            guard case .invalidCode = try await h.flows.regenerateRecoveryCodes(userID: id, code: "000000") else {
                return
            }
            guard
                case .done(let fresh) = try await h.flows.regenerateRecoveryCodes(
                    userID: id, code: try TOTP.code(for: secret, at: h.clock.now)
                )
            else {
                Issue.record("regeneration with a current code failed")
                return
            }
            #expect(Set(fresh).isDisjoint(with: codes))
            guard case .invalidCode = try await h.flows.disableTotp(userID: id, code: codes[0]) else {
                Issue.record("an old recovery code disabled TOTP")
                return
            }
            guard case .done = try await h.flows.disableTotp(userID: id, code: fresh[0]) else {
                Issue.record("a recovery code did not disable TOTP")
                return
            }
            #expect(try await h.flows.recoveryCodesLeft(userID: id) == 0)
            _ = try await signedIn(h.flows, email)
            _ = try await enrolled(h, id)
            try await h.flows.resetMfa(userID: id)
            _ = try await signedIn(h.flows, email)
        }
    }
}
