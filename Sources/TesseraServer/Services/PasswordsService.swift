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
    ///
    /// While the hasher's queue is full, both are refused before they get a task (``queueIsFull()``), so a flood of
    /// logins costs the server little more than the replies that refuse it.
    public func register(into router: inout CallRouter) {
        let refusal: CallRouter.Refusal = { queueIsFull() }
        router.register(
            MethodCatalog.passwordsHash, request: Tessera_V1_HashPasswordRequest.self, refusingWhen: refusal,
            hashesPasswords: true
        ) { request, _ in
            try await hash(request)
        }
        router.register(
            MethodCatalog.passwordsVerify, request: Tessera_V1_VerifyPasswordRequest.self, refusingWhen: refusal,
            hashesPasswords: true
        ) { request, _ in
            try await verify(request)
        }
    }

    /// The hasher's own refusal when all its workers and queue slots are taken, `nil` otherwise: the check its
    /// admission makes, without queueing. (A call that passes may still be refused by the hasher itself.)
    public func queueIsFull() -> CallError? {
        let (capacity, overflow) = hasher.configuration.workers.addingReportingOverflow(hasher.configuration.maxQueued)
        guard !overflow, hasher.inFlight >= capacity else { return nil }
        return CallError.from(CryptoError(.overloaded, "password hashing queue is full; retry later"))
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
