import Foundation
import TesseraAuth
import TesseraCrypto
import TesseraStore
import Testing

@Suite("Auth flows: bad input is refused before the database and changes nothing", .timeLimit(.minutes(5)))
struct BadInputTests {
    @Test(
        "malformed emails, over-long passwords and device descriptions, tokens with bad checksums",
        arguments: AuthBackend.allCases)
    func refused(backend: AuthBackend) async throws {
        try await backend.with { h, _ in
            let email = newEmail()
            let id = try await registered(h.flows, email)
            let session = try await signedIn(h.flows, email)
            let head = try await h.store.auditChainHead()
            for bad in [
                "", "no-at-sign", "two@@example.com", "a b@example.com", "a@b", "a@example.", "\u{0}@x.io",
                String(repeating: "a", count: 320) + "@example.com",
            ] {
                await expectAuthError(.invalidArgument) {
                    _ = try await h.flows.authenticate(email: bad, password: "x")
                }
                await expectAuthError(.invalidArgument) {
                    _ = try await h.flows.register(email: bad, password: goodPassword)
                }
            }
            await expectAuthError(.invalidArgument) {
                _ = try await h.flows.authenticate(email: email, password: String(repeating: "p", count: 1025))
            }
            await expectAuthError(.invalidArgument) {
                _ = try await h.flows.authenticate(
                    email: email, password: goodPassword, deviceInfo: ["agent": String(repeating: "x", count: 600)]
                )
            }
            await expectAuthError(.invalidArgument) {
                _ = try await h.flows.authenticate(
                    email: email, password: goodPassword, deviceInfo: ["tessera.aal": "aal2"])
            }
            var corrupted = Array(session.refreshToken.reveal())
            corrupted[10] = corrupted[10] == "a" ? "b" : "a"
            for token in [String(corrupted), "", OpaqueToken.generate(.invitation).reveal(), "tsr_short"] {
                await expectAuthError(.invalidArgument) { _ = try await h.flows.refresh(token: token) }
                await expectAuthError(.invalidArgument) {
                    _ = try await h.flows.completeMfa(challenge: token, code: "123456")
                }
            }
            let challenge = OpaqueToken.generate(.mfaChallenge).reveal()
            for code in ["12345", "1234567", "abcdef", "", String(repeating: "A", count: 30)] {
                await expectAuthError(.invalidArgument) {
                    _ = try await h.flows.completeMfa(challenge: challenge, code: code)
                }
            }
            #expect(try await h.store.auditChainHead() == head)
            #expect(try await h.flows.user(id: id).failedLoginAttempts == 0)
        }
    }

    @Test("no audit payload holds a password, token, code or secret", arguments: AuthBackend.allCases)
    func auditIsSecretFree(backend: AuthBackend) async throws {
        try await backend.with { h, _ in
            let email = newEmail()
            let id = try await registered(h.flows, email)
            let (secret, codes) = try await enrolled(h, id)
            let challenge = try await challenged(h, email)
            h.clock.advance(30)
            let code = try TOTP.code(for: secret, at: h.clock.now)
            guard case .session(let session) = try await h.flows.completeMfa(challenge: challenge, code: code) else {
                return
            }
            guard case .refreshed(let next) = try await h.flows.refresh(token: session.refreshToken.reveal()) else {
                return
            }
            _ = try await h.flows.authenticate(email: email, password: "a wrong guess here")
            let needles =
                [
                    goodPassword, "a wrong guess here", session.refreshToken.reveal(), next.refreshToken.reveal(),
                    challenge, code, secret.revealBase32(), email,
                ] + codes
            for entry in try await h.auditEntries() {
                let text = "\(entry.action) \(entry.payload)"
                for needle in needles { #expect(!text.contains(needle)) }
            }
        }
    }
}
