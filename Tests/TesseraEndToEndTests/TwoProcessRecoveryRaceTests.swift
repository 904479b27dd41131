import Foundation
import TesseraClient
import TesseraCrypto
import TesseraStore
import TesseraWire
import Testing

extension TwoProcessRaceTests {
    /// Calls `body` until it is not refused for load (RESOURCE_EXHAUSTED from a full hashing queue: backpressure a
    /// real login service would retry after a pause too).
    static func admitted<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        while true {
            do {
                return try await body()
            } catch let error as TesseraClientError where error.code == .status(.resourceExhausted) {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    @Test("50 concurrent registrations across the processes with one invitation of max_uses 10: exactly 10 users")
    func invitationRace() async throws {
        try await withTwoServers { clients, url, needles in
            let created = try await clients[0].createInvitation(role: "viewer", maxUses: 10)
            needles.append(created.code)
            let code = created.code
            let outcomes = try await withThrowingTaskGroup(of: Tessera_V1_RegisterResponse.self) { group in
                for index in 0..<50 {
                    let client = clients[index % 2]
                    group.addTask {
                        try await Self.admitted {
                            try await client.register(
                                email: "invited-\(index)@example.com", password: Self.password, invitationCode: code)
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let registered = outcomes.filter { !$0.userID.isEmpty }
            #expect(registered.count == 10)
            #expect(outcomes.filter { $0.invitationRefused == .exhausted }.count == 40)
            try await withStore(url) { store in
                #expect(
                    try await store.invitation(id: try #require(UUID(uuidString: created.invitation.id)))?.uses == 10)
                for outcome in registered {
                    let user = try await store.user(id: try #require(UUID(uuidString: outcome.userID)))
                    #expect(user?.role == .viewer)
                }
            }
        }
    }

    @Test("20 concurrent Consume of one reset token across the processes: exactly one succeeds")
    func resetRace() async throws {
        try await withTwoServers { clients, url, needles in
            let email = "reset-\(UUID().uuidString.prefix(8).lowercased())@example.com"
            let userID = try await clients[0].register(email: email, password: Self.password).userID
            let ticket = try await clients[1].requestPasswordReset(email: email).ticket
            needles.append(ticket.secret)
            let outcomes = try await withThrowingTaskGroup(of: Tessera_V1_ConsumePasswordResetResponse.self) { group in
                for index in 0..<20 {
                    let client = clients[index % 2]
                    group.addTask {
                        try await Self.admitted {
                            try await client.consumePasswordReset(
                                token: ticket.secret, newPassword: "a brand new passphrase \(index)")
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter { $0.reset.userID == userID }.count == 1)
            #expect(outcomes.filter { $0.refused == .used }.count == 19)
            let entries = try await withStore(url) { try await $0.auditEntries(after: 0, limit: 10_000) }
            #expect(entries.filter { $0.action == "password-reset.completed" }.count == 1)
        }
    }
}
