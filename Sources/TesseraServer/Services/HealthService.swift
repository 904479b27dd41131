import TesseraCrypto
import TesseraWire

/// `tessera.v1.Health`: whether the server serves, with the state of its dependencies (the store, when the server
/// has one), its keyring and its Argon2 pool.
public struct HealthService: Sendable {
    private let cipher: EnvelopeCipher
    private let hasher: PasswordHasher
    private let components: [HealthComponent]

    /// Creates the service.
    ///
    /// - Parameters:
    ///   - cipher: The envelope cipher, whose keyring is reported as the `keyring` component.
    ///   - hasher: The password hasher, reported as the `argon2` component.
    ///   - components: Further components, reported first (for example `store`).
    public init(cipher: EnvelopeCipher, hasher: PasswordHasher, components: [HealthComponent] = []) {
        self.cipher = cipher
        self.hasher = hasher
        self.components = components
    }

    /// Registers `Check`, answered on the event loop, ahead of queued work, so a replica busy hashing still answers
    /// its health checks in time.
    ///
    /// - Parameter router: The router to add the method to.
    public func register(into router: inout CallRouter) {
        router.registerOnEventLoop(MethodCatalog.healthCheck, request: Tessera_V1_HealthCheckRequest.self) {
            _, context in
            check(isServerDraining: context.isServerDraining)
        }
    }

    /// Whether the server should receive traffic: it is not draining, and every component except the Argon2 pool
    /// is serving (a full hashing queue refuses only hashing calls, so it does not take the server out of rotation).
    /// This is the verdict of `/readyz`.
    ///
    /// - Parameter isServerDraining: Whether the server is shutting down.
    /// - Returns: Whether the server is ready.
    public func isReady(isServerDraining: Bool) -> Bool {
        let response = check(isServerDraining: isServerDraining)
        return !isServerDraining && response.components.allSatisfy { $0.name == "argon2" || $0.status == .serving }
    }

    func check(isServerDraining: Bool) -> Tessera_V1_HealthCheckResponse {
        let reported = components.map { component in
            var health = Tessera_V1_ComponentHealth()
            health.name = component.name
            switch component.status() {
            case .serving:
                health.status = .serving
            case .notServing(let reason):
                health.status = .notServing
                health.message = reason
            case .servingWithWarning(let warning):
                health.status = .serving
                health.message = warning
            }
            return health
        }
        var keyring = Tessera_V1_ComponentHealth()
        keyring.name = "keyring"
        if cipher.keyring.activeKey.state == .active {
            keyring.status = .serving
        } else {
            keyring.status = .notServing
            keyring.message = "no active master key"
        }
        var argon2 = Tessera_V1_ComponentHealth()
        argon2.name = "argon2"
        let capacity = hasher.configuration.workers + hasher.configuration.maxQueued
        if hasher.inFlight < capacity {
            argon2.status = .serving
        } else {
            argon2.status = .notServing
            argon2.message = "hashing queue is full"
        }
        var response = Tessera_V1_HealthCheckResponse()
        response.components = reported + [keyring, argon2]
        let allServing = response.components.allSatisfy { $0.status == .serving }
        response.status = allServing && !isServerDraining ? .serving : .notServing
        return response
    }
}
