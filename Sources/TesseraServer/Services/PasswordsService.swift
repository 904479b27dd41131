import TesseraCrypto
import TesseraWire

/// `tessera.v1.Passwords`: Argon2id hashing and verification on the hasher's bounded worker pool.
public struct PasswordsService: Sendable {
    private let hasher: PasswordHasher

    /// Creates the service.
    ///
    /// - Parameter hasher: The hasher; its policy, pepper and admission limit apply to every call.
    public init(hasher: PasswordHasher) {
        self.hasher = hasher
    }

    /// Registers `Hash` and `Verify`.
    ///
    /// - Parameter router: The router to add the methods to.
    public func register(into router: inout CallRouter) {
        router.register(MethodCatalog.passwordsHash, request: Tessera_V1_HashPasswordRequest.self) { request, _ in
            try await hash(request)
        }
        router.register(MethodCatalog.passwordsVerify, request: Tessera_V1_VerifyPasswordRequest.self) { request, _ in
            try await verify(request)
        }
    }

    /// Hashes a password under the current policy.
    func hash(_ request: Tessera_V1_HashPasswordRequest) async throws -> Tessera_V1_HashPasswordResponse {
        var response = Tessera_V1_HashPasswordResponse()
        response.phc = try await hasher.hash(request.password)
        return response
    }

    /// Verifies a password, and hashes it afresh when it is valid and its hash is out of date.
    ///
    /// When the fresh hash cannot be made because the hashing queue is full, `new_phc` is left out: the verdict
    /// stands and the caller rehashes at its next successful verification.
    func verify(_ request: Tessera_V1_VerifyPasswordRequest) async throws -> Tessera_V1_VerifyPasswordResponse {
        let verification = try await hasher.verify(request.password, against: request.phc)
        var response = Tessera_V1_VerifyPasswordResponse()
        response.valid = verification.isValid
        response.needsRehash = verification.needsRehash
        if verification.isValid && verification.needsRehash {
            do {
                response.newPhc = try await hasher.hash(request.password)
            } catch let error as CryptoError where error.code == .overloaded {
                // Leave new_phc unset; the verdict is what matters.
            }
        }
        return response
    }
}
