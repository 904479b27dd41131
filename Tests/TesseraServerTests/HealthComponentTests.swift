import Synchronization
import TesseraCrypto
import Testing

@testable import TesseraServer

/// `Health/Check` and `/readyz` over extra components such as `store`.
@Suite("Health components")
struct HealthComponentTests {
    /// A component whose status a test sets.
    final class Switch: Sendable {
        let status = Mutex(HealthComponent.Status.serving)
        var component: HealthComponent {
            HealthComponent(name: "store") { self.status.withLock { $0 } }
        }
    }

    private func withHealth(_ body: (HealthService, Switch) async throws -> Void) async throws {
        try await PasswordHasher.withHasher(configuration: .init(workers: 1, maxQueued: 1)) { hasher in
            let store = Switch()
            let cipher = EnvelopeCipher(keyring: try Keyring.generate())
            try await body(HealthService(cipher: cipher, hasher: hasher, components: [store.component]), store)
        }
    }

    @Test("extra components come first and a serving store keeps the verdict SERVING")
    func serving() async throws {
        try await withHealth { health, _ in
            let response = health.check(isServerDraining: false)
            #expect(response.components.map(\.name) == ["store", "keyring", "argon2"])
            #expect(response.status == .serving)
            #expect(response.components.allSatisfy { $0.status == .serving && $0.message.isEmpty })
            #expect(health.isReady(isServerDraining: false))
        }
    }

    @Test("a store that is down makes the server NOT_SERVING and not ready, with the component's reason")
    func storeDown() async throws {
        try await withHealth { health, store in
            store.status.withLock { $0 = .notServing(reason: "the last read of the store failed (connection)") }
            let response = health.check(isServerDraining: false)
            #expect(response.status == .notServing)
            let component = try #require(response.components.first)
            #expect(component.status == .notServing)
            #expect(component.message == "the last read of the store failed (connection)")
            #expect(!health.isReady(isServerDraining: false))
            // Back up: serving again on the next check, nothing cached.
            store.status.withLock { $0 = .serving }
            #expect(health.check(isServerDraining: false).status == .serving)
        }
    }

    @Test("a draining server is NOT_SERVING and not ready even with every component serving")
    func draining() async throws {
        try await withHealth { health, _ in
            #expect(health.check(isServerDraining: true).status == .notServing)
            #expect(!health.isReady(isServerDraining: true))
        }
    }
}
