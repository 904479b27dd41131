import TesseraCrypto
import TesseraWire

/// `tessera.v1.Health`: whether the server serves, with the state of its keyring and Argon2 pool.
public struct HealthService: Sendable {
    private let cipher: EnvelopeCipher
    private let hasher: PasswordHasher

    /// Creates the service.
    ///
    /// - Parameters:
    ///   - cipher: The envelope cipher, whose keyring is reported as the `keyring` component.
    ///   - hasher: The password hasher, reported as the `argon2` component.
    public init(cipher: EnvelopeCipher, hasher: PasswordHasher) {
        self.cipher = cipher
        self.hasher = hasher
    }

    /// Registers `Check`.
    ///
    /// - Parameter router: The router to add the method to.
    public func register(into router: inout CallRouter) {
        router.registerImmediate(MethodCatalog.healthCheck, request: Tessera_V1_HealthCheckRequest.self) { _, context in
            check(isServerDraining: context.isServerDraining)
        }
    }

    func check(isServerDraining: Bool) -> Tessera_V1_HealthCheckResponse {
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
        response.components = [keyring, argon2]
        let allServing = response.components.allSatisfy { $0.status == .serving }
        response.status = allServing && !isServerDraining ? .serving : .notServing
        return response
    }
}
