import Foundation
import Testing

@testable import TesseraAuth

@Suite("Per-address limit of Authenticate")
struct AddressLimiterTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("a burst of the per-minute count, then refusals; tokens come back over the minute; addresses are apart")
    func bucket() {
        let limiter = AddressLimiter(perMinute: 3)
        #expect((0..<3).allSatisfy { _ in limiter.admit("203.0.113.7", at: Self.now) })
        #expect(!limiter.admit("203.0.113.7", at: Self.now))
        #expect(limiter.admit("198.51.100.1", at: Self.now))
        #expect(limiter.admit("203.0.113.7", at: Self.now.addingTimeInterval(20)))
        #expect(!limiter.admit("203.0.113.7", at: Self.now.addingTimeInterval(20)))
        #expect(AddressLimiter(perMinute: 0).admit("203.0.113.7", at: Self.now))
    }

    @Test("a flood of new addresses keeps the table bounded and the recent ones")
    func bounded() {
        let limiter = AddressLimiter(perMinute: 1, maxAddresses: 100)
        for index in 0..<1000 {
            _ = limiter.admit(
                "10.0.\(index / 256).\(index % 256)", at: Self.now.addingTimeInterval(Double(index) / 1000))
        }
        #expect(limiter.addressCount <= 100)
        // The most recent address is still remembered (its bucket is empty).
        #expect(!limiter.admit("10.0.3.231", at: Self.now.addingTimeInterval(1)))
    }

    @Test(
        "Authenticate over the limit is RESOURCE_EXHAUSTED before any password is checked",
        arguments: [AuthBackend.sqlite])
    func throughTheFlow(backend: AuthBackend) async throws {
        try await backend.with(policy: AuthPolicy(authenticationsPerAddressPerMinute: 2)) { h, _ in
            let email = newEmail()
            _ = try await registered(h.flows, email)
            for _ in 0..<2 {
                _ = try await h.flows.authenticate(
                    email: email, password: "wrong password!", clientAddress: "203.0.113.9")
            }
            await expectAuthError(.resourceExhausted) {
                _ = try await h.flows.authenticate(email: email, password: goodPassword, clientAddress: "203.0.113.9")
            }
            _ = try await h.flows.authenticate(email: email, password: goodPassword, clientAddress: "203.0.113.10")
        }
    }
}
