import Foundation
import TesseraAuth
import TesseraCrypto
import TesseraStore
import Testing

@Suite("Auth flows: sessions and refresh rotation", .timeLimit(.minutes(5)))
struct SessionFlowTests {
    @Test(
        "refresh rotates to a successor; a replay after the grace window revokes the session and is audited",
        arguments: AuthBackend.allCases)
    func rotateAndReuse(backend: AuthBackend) async throws {
        try await backend.with { h, _ in
            let email = newEmail()
            _ = try await registered(h.flows, email)
            let first = try await signedIn(h.flows, email)
            h.clock.advance(5)
            guard case .refreshed(let second) = try await h.flows.refresh(token: first.refreshToken.reveal()) else {
                Issue.record("refresh failed")
                return
            }
            #expect(second.sessionID == first.sessionID)
            #expect(second.refreshToken != first.refreshToken)
            #expect(second.expiresAt == h.clock.now.addingTimeInterval(14 * 86_400))
            // Inside the grace window: the same successor again.
            guard case .refreshed(let again) = try await h.flows.refresh(token: first.refreshToken.reveal()) else {
                Issue.record("a concurrent refresh was refused")
                return
            }
            #expect(again.refreshToken == second.refreshToken)
            h.clock.advance(60)
            guard case .refused(.reuseDetected) = try await h.flows.refresh(token: first.refreshToken.reveal()) else {
                Issue.record("a replay was not detected")
                return
            }
            guard case .refused(.revoked) = try await h.flows.refresh(token: second.refreshToken.reveal()) else {
                Issue.record("the family survived a replay")
                return
            }
            #expect(try await h.auditEntries().map(\.action).contains("refresh.reuse-detected"))
        }
    }

    @Test(
        "20 concurrent refreshes of one token on two replicas: one successor row, every caller gets it",
        arguments: AuthBackend.allCases)
    func concurrentRefresh(backend: AuthBackend) async throws {
        try await backend.with { h, second in
            let email = newEmail()
            let id = try await registered(h.flows, email)
            let session = try await signedIn(h.flows, email)
            let other = try await h.replica(second, policy: AuthPolicy())
            let token = session.refreshToken.reveal()
            let outcomes = try await withThrowingTaskGroup(of: RefreshOutcome.self) { group in
                for index in 0..<20 {
                    let flows = index.isMultiple(of: 2) ? h.flows : other
                    group.addTask { try await flows.refresh(token: token) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            var successors = Set<String>()
            for outcome in outcomes {
                guard case .refreshed(let next) = outcome else {
                    Issue.record("a concurrent refresh was refused: \(outcome)")
                    continue
                }
                successors.insert(next.refreshToken.reveal())
            }
            #expect(successors.count == 1)
            let rows = try await h.store.sessions(userID: id)
            #expect(rows.count == 2)
            #expect(rows.filter(\.isCurrent).count == 1)
        }
    }

    @Test("idle timeout and absolute lifetime end a session", arguments: AuthBackend.allCases)
    func lifetimes(backend: AuthBackend) async throws {
        let policy = AuthPolicy(
            sessions: SessionPolicy(idleTimeout: .seconds(600), absoluteLifetime: .seconds(1000))
        )
        try await backend.with(policy: policy) { h, _ in
            let email = newEmail()
            _ = try await registered(h.flows, email)
            let first = try await signedIn(h.flows, email)
            h.clock.advance(601)
            guard case .refused(.expired) = try await h.flows.refresh(token: first.refreshToken.reveal()) else {
                Issue.record("an idle session was refreshed")
                return
            }
            var token = try await signedIn(h.flows, email).refreshToken
            for _ in 0..<2 {
                h.clock.advance(400)
                guard case .refreshed(let next) = try await h.flows.refresh(token: token.reveal()) else {
                    Issue.record("a live session was refused")
                    return
                }
                token = next.refreshToken
                #expect(next.sessionExpiresAt.map { next.expiresAt <= $0 } == true)
            }
            h.clock.advance(201)
            guard case .refused(.expired) = try await h.flows.refresh(token: token.reveal()) else {
                Issue.record("a session outlived its absolute lifetime")
                return
            }
        }
    }

    @Test("list shows live sessions without token material; revoke one, revoke all", arguments: AuthBackend.allCases)
    func listAndRevoke(backend: AuthBackend) async throws {
        try await backend.with { h, _ in
            let email = newEmail()
            let id = try await registered(h.flows, email)
            guard
                case .session(let phone) = try await h.flows.authenticate(
                    email: email, password: goodPassword, deviceInfo: ["agent": "phone"]
                )
            else { return }
            let laptop = try await signedIn(h.flows, email)
            _ = try await h.flows.refresh(token: phone.refreshToken.reveal())
            let listed = try await h.flows.sessions(of: id)
            #expect(Set(listed.map(\.sessionID)) == [phone.sessionID, laptop.sessionID])
            #expect(listed.first { $0.sessionID == phone.sessionID }?.deviceInfo == ["agent": "phone"])
            #expect(try await h.flows.revokeSession(phone.sessionID, of: id))
            #expect(try await h.flows.revokeSession(phone.sessionID, of: id) == false)
            #expect(try await h.flows.revokeSession(laptop.sessionID, of: UUID()) == false)
            #expect(try await h.flows.sessions(of: id).map(\.sessionID) == [laptop.sessionID])
            #expect(try await h.flows.revokeAllSessions(of: id) == 1)
            #expect(try await h.flows.sessions(of: id).isEmpty)
        }
    }

    @Test("a disabled account's sessions are revoked and cannot refresh", arguments: AuthBackend.allCases)
    func disable(backend: AuthBackend) async throws {
        try await backend.with { h, _ in
            let email = newEmail()
            let id = try await registered(h.flows, email)
            let session = try await signedIn(h.flows, email)
            #expect(try await h.flows.setDisabled(userID: id, true) == 1)
            guard case .refused = try await h.flows.refresh(token: session.refreshToken.reveal()) else {
                Issue.record("a disabled account refreshed")
                return
            }
            try await h.flows.setDisabled(userID: id, false)
            _ = try await signedIn(h.flows, email)
        }
    }
}
