import TesseraCrypto

/// The stateless services (`Passwords`, `Totp`, `Secrets`, `Health`) over one hasher and one envelope cipher.
public struct StatelessServices: Sendable {
    /// The password hasher shared by `Passwords` and reported by `Health`.
    public let hasher: PasswordHasher
    /// The envelope cipher shared by `Totp`, `Secrets` and reported by `Health`.
    public let cipher: EnvelopeCipher
    /// The TOTP skew window in steps.
    public let totpWindow: Int
    /// The item limit of batch calls.
    public let maxBatchItems: Int
    /// Components reported by `Health/Check` before the keyring and Argon2 pool (for example `store`).
    public let healthComponents: [HealthComponent]

    /// Creates the services.
    ///
    /// - Parameters:
    ///   - hasher: The password hasher.
    ///   - cipher: The envelope cipher.
    ///   - totpWindow: The TOTP skew window (default 1 step).
    ///   - maxBatchItems: The item limit of batch calls (default 1000).
    ///   - healthComponents: Further components `Health/Check` reports (default none).
    public init(
        hasher: PasswordHasher,
        cipher: EnvelopeCipher,
        totpWindow: Int = 1,
        maxBatchItems: Int = 1000,
        healthComponents: [HealthComponent] = []
    ) {
        self.hasher = hasher
        self.cipher = cipher
        self.totpWindow = totpWindow
        self.maxBatchItems = maxBatchItems
        self.healthComponents = healthComponents
    }

    /// The `Health` service over these services' hasher, cipher and components.
    public var health: HealthService {
        HealthService(cipher: cipher, hasher: hasher, components: healthComponents)
    }

    /// A router serving every method of the four services.
    ///
    /// - Returns: The router.
    public func router() -> CallRouter {
        var router = CallRouter()
        PasswordsService(hasher: hasher).register(into: &router)
        TotpService(cipher: cipher, window: totpWindow).register(into: &router)
        SecretsService(cipher: cipher, maxBatchItems: maxBatchItems).register(into: &router)
        health.register(into: &router)
        return router
    }
}
