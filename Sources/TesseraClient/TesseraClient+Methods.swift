import Foundation
import TesseraWire

extension TesseraClient {
    // MARK: Passwords

    /// Hashes a new password with the server's current Argon2id policy (`tessera.v1.Passwords/Hash`).
    ///
    /// - Parameters:
    ///   - password: The password; never logged.
    ///   - timeout: The call's deadline; the configured default when `nil`.
    /// - Returns: The PHC string to store.
    /// - Throws: ``TesseraClientError``, for example `INVALID_ARGUMENT` for an empty or too long password, or
    ///   `RESOURCE_EXHAUSTED` when the server's hashing queue is full.
    public func hashPassword(_ password: String, timeout: Duration? = nil) async throws -> String {
        var request = Tessera_V1_HashPasswordRequest()
        request.password = password
        let response = try await self.call(
            MethodCatalog.passwordsHash, request, as: Tessera_V1_HashPasswordResponse.self, timeout: timeout
        )
        return response.phc
    }

    /// Checks a password against a stored PHC string (`tessera.v1.Passwords/Verify`).
    ///
    /// - Parameters:
    ///   - password: The password to check; never logged.
    ///   - phc: The stored hash.
    ///   - timeout: The call's deadline; the configured default when `nil`.
    /// - Returns: Whether it matched, whether the hash should be replaced, and its replacement when due.
    /// - Throws: ``TesseraClientError``, for example `INVALID_ARGUMENT` when `phc` is not a valid hash.
    public func verifyPassword(
        _ password: String,
        against phc: String,
        timeout: Duration? = nil
    ) async throws -> PasswordVerification {
        var request = Tessera_V1_VerifyPasswordRequest()
        request.password = password
        request.phc = phc
        let response = try await self.call(
            MethodCatalog.passwordsVerify, request, as: Tessera_V1_VerifyPasswordResponse.self, timeout: timeout
        )
        return PasswordVerification(
            isValid: response.valid,
            needsRehash: response.needsRehash,
            newHash: response.hasNewPhc ? response.newPhc : nil
        )
    }

    // MARK: TOTP

    /// Creates a new TOTP secret with its URI, QR code and sealed form (`tessera.v1.Totp/Generate`).
    ///
    /// - Parameters:
    ///   - issuer: The service name shown by authenticator apps; no `:`.
    ///   - account: The user's account name; no `:`.
    ///   - context: The context the sealed secret is bound to; give the same to `verifyTotp`.
    ///   - algorithm: The HMAC hash; `.unspecified` means SHA-1.
    ///   - digits: Digits per code, 6 to 8; 0 means 6.
    ///   - periodSeconds: The time step; 0 means 30 seconds.
    ///   - timeout: The call's deadline; the configured default when `nil`.
    /// - Returns: The enrolment; store only its ``TotpEnrolment/sealedSecret``.
    /// - Throws: ``TesseraClientError``, for example `INVALID_ARGUMENT` for a bad issuer or parameter.
    public func generateTotp(
        issuer: String,
        account: String,
        context: [String: String] = [:],
        algorithm: Tessera_V1_TotpAlgorithm = .unspecified,
        digits: Int = 0,
        periodSeconds: Int = 0,
        timeout: Duration? = nil
    ) async throws -> TotpEnrolment {
        var request = Tessera_V1_GenerateTotpRequest()
        request.issuer = issuer
        request.account = account
        request.context = context
        request.algorithm = algorithm
        request.digits = UInt32(clamping: digits)
        request.periodSeconds = UInt32(clamping: periodSeconds)
        let response = try await self.call(
            MethodCatalog.totpGenerate, request, as: Tessera_V1_GenerateTotpResponse.self, timeout: timeout
        )
        return TotpEnrolment(
            secretBase32: response.secretBase32,
            otpauthURI: response.otpauthUri,
            qrPNG: Array(response.qrPng),
            sealedSecret: Array(response.sealedSecret)
        )
    }

    /// Checks a TOTP code against a sealed secret from ``generateTotp(issuer:account:context:algorithm:digits:periodSeconds:timeout:)``
    /// (`tessera.v1.Totp/Verify`).
    ///
    /// - Parameters:
    ///   - code: The code the user typed.
    ///   - sealedSecret: The stored sealed secret.
    ///   - context: The context it was sealed with.
    ///   - algorithm: The HMAC hash it was enrolled with; `.unspecified` means SHA-1.
    ///   - digits: Its digits per code; 0 means 6.
    ///   - periodSeconds: Its time step; 0 means 30 seconds.
    ///   - timeout: The call's deadline; the configured default when `nil`.
    /// - Returns: Whether the code is valid, and the time step it matched.
    /// - Throws: ``TesseraClientError``, `INVALID_ARGUMENT` when the sealed secret does not open.
    public func verifyTotp(
        code: String,
        sealedSecret: [UInt8],
        context: [String: String] = [:],
        algorithm: Tessera_V1_TotpAlgorithm = .unspecified,
        digits: Int = 0,
        periodSeconds: Int = 0,
        timeout: Duration? = nil
    ) async throws -> TotpVerification {
        var request = Tessera_V1_VerifyTotpRequest()
        request.sealedSecret = Data(sealedSecret)
        request.context = context
        return try await self.verifyTotp(
            request, code: code, algorithm: algorithm, digits: digits, periodSeconds: periodSeconds, timeout: timeout
        )
    }

    /// Checks a TOTP code against a raw base32 secret not created by Tessera (`tessera.v1.Totp/Verify`).
    ///
    /// - Parameters:
    ///   - code: The code the user typed.
    ///   - secretBase32: The secret in base32; never logged.
    ///   - algorithm: The HMAC hash; `.unspecified` means SHA-1.
    ///   - digits: Digits per code; 0 means 6.
    ///   - periodSeconds: The time step; 0 means 30 seconds.
    ///   - timeout: The call's deadline; the configured default when `nil`.
    /// - Returns: Whether the code is valid, and the time step it matched.
    /// - Throws: ``TesseraClientError``, `INVALID_ARGUMENT` for a malformed secret or code.
    public func verifyTotp(
        code: String,
        secretBase32: String,
        algorithm: Tessera_V1_TotpAlgorithm = .unspecified,
        digits: Int = 0,
        periodSeconds: Int = 0,
        timeout: Duration? = nil
    ) async throws -> TotpVerification {
        var request = Tessera_V1_VerifyTotpRequest()
        request.secretBase32 = secretBase32
        return try await self.verifyTotp(
            request, code: code, algorithm: algorithm, digits: digits, periodSeconds: periodSeconds, timeout: timeout
        )
    }

    private func verifyTotp(
        _ request: Tessera_V1_VerifyTotpRequest,
        code: String,
        algorithm: Tessera_V1_TotpAlgorithm,
        digits: Int,
        periodSeconds: Int,
        timeout: Duration?
    ) async throws -> TotpVerification {
        var request = request
        request.code = code
        request.algorithm = algorithm
        request.digits = UInt32(clamping: digits)
        request.periodSeconds = UInt32(clamping: periodSeconds)
        let response = try await self.call(
            MethodCatalog.totpVerify, request, as: Tessera_V1_VerifyTotpResponse.self, timeout: timeout
        )
        return TotpVerification(
            isValid: response.valid,
            timeStep: response.timeStep,
            expiresIn: .seconds(Int64(response.expiresInSeconds))
        )
    }

    // MARK: Secrets

    /// Encrypts a plaintext bound to a context (`tessera.v1.Secrets/Seal`).
    ///
    /// - Parameters:
    ///   - plaintext: The secret; never logged.
    ///   - context: The context; the same entries must be given to ``open(_:context:timeout:)``.
    ///   - timeout: The call's deadline; the configured default when `nil`.
    /// - Returns: The sealed value, opaque: store it as it is.
    /// - Throws: ``TesseraClientError``, for example `FAILED_PRECONDITION` when the server has no active key.
    public func seal(
        _ plaintext: [UInt8],
        context: [String: String] = [:],
        timeout: Duration? = nil
    ) async throws -> [UInt8] {
        var request = Tessera_V1_SealRequest()
        request.plaintext = Data(plaintext)
        request.context = context
        let response = try await self.call(
            MethodCatalog.secretsSeal, request, as: Tessera_V1_SealResponse.self, timeout: timeout
        )
        return Array(response.sealed)
    }

    /// Decrypts a sealed value with the context it was sealed with (`tessera.v1.Secrets/Open`).
    ///
    /// - Parameters:
    ///   - sealed: A value returned by ``seal(_:context:timeout:)``.
    ///   - context: Exactly the context given to `seal`.
    ///   - timeout: The call's deadline; the configured default when `nil`.
    /// - Returns: The plaintext.
    /// - Throws: ``TesseraClientError``; one opaque `INVALID_ARGUMENT` when the value does not open (malformed,
    ///   other context, tampered, retired key).
    public func open(
        _ sealed: [UInt8],
        context: [String: String] = [:],
        timeout: Duration? = nil
    ) async throws -> [UInt8] {
        var request = Tessera_V1_OpenRequest()
        request.sealed = Data(sealed)
        request.context = context
        let response = try await self.call(
            MethodCatalog.secretsOpen, request, as: Tessera_V1_OpenResponse.self, timeout: timeout
        )
        return Array(response.plaintext)
    }

    /// Moves a sealed value to the active master key version without decrypting it (`tessera.v1.Secrets/Rewrap`):
    /// store the result in place of the old value, so the old version can be retired. Safe to retry.
    ///
    /// - Parameters:
    ///   - sealed: A value returned by ``seal(_:context:timeout:)``.
    ///   - context: Exactly the context given to `seal`.
    ///   - timeout: The call's deadline; the configured default when `nil`.
    /// - Returns: The value under the active version, and whether it changed.
    /// - Throws: ``TesseraClientError``; the same opaque `INVALID_ARGUMENT` as ``open(_:context:timeout:)`` when
    ///   the value does not open.
    public func rewrap(
        _ sealed: [UInt8],
        context: [String: String] = [:],
        timeout: Duration? = nil
    ) async throws -> Rewrapped {
        try await rewrap(sealed, context: context, method: MethodCatalog.secretsRewrap, timeout: timeout)
    }

    /// Moves a sealed TOTP secret (from ``generateTotp``) to the active master key version without decrypting it
    /// (`tessera.v1.Totp/Rewrap`); `Secrets/Rewrap` cannot, since TOTP secrets are sealed for their own purpose.
    ///
    /// - Parameters:
    ///   - sealed: A `sealedSecret` returned by `Totp/Generate`.
    ///   - context: Exactly the context given to `Generate`.
    ///   - timeout: The call's deadline; the configured default when `nil`.
    /// - Returns: The secret under the active version, and whether it changed.
    /// - Throws: ``TesseraClientError``; an opaque `INVALID_ARGUMENT` when the value does not open as a TOTP secret.
    public func rewrapTotpSecret(
        _ sealed: [UInt8],
        context: [String: String] = [:],
        timeout: Duration? = nil
    ) async throws -> Rewrapped {
        try await rewrap(sealed, context: context, method: MethodCatalog.totpRewrap, timeout: timeout)
    }

    private func rewrap(
        _ sealed: [UInt8],
        context: [String: String],
        method: MethodDescriptor,
        timeout: Duration?
    ) async throws -> Rewrapped {
        var request = Tessera_V1_RewrapRequest()
        request.sealed = Data(sealed)
        request.context = context
        let response = try await self.call(method, request, as: Tessera_V1_RewrapResponse.self, timeout: timeout)
        return Rewrapped(sealed: Array(response.sealed), keyVersion: response.keyVersion, changed: response.rewrapped)
    }

    /// Seals many plaintexts in one call (`tessera.v1.Secrets/SealBatch`); each item succeeds or fails alone.
    ///
    /// - Parameters:
    ///   - items: The plaintexts with their contexts.
    ///   - timeout: The call's deadline; the configured default when `nil`.
    /// - Returns: One result per item, in order: the sealed value, or the item's own failure (a `.status` code).
    /// - Throws: ``TesseraClientError`` when the call as a whole fails (for example too many items).
    public func sealBatch(
        _ items: [BatchItem],
        timeout: Duration? = nil
    ) async throws -> [Result<[UInt8], TesseraClientError>] {
        var request = Tessera_V1_SealBatchRequest()
        request.items = items.map { item in
            var one = Tessera_V1_SealRequest()
            one.plaintext = Data(item.bytes)
            one.context = item.context
            return one
        }
        let response = try await self.call(
            MethodCatalog.secretsSealBatch, request, as: Tessera_V1_SealBatchResponse.self, timeout: timeout
        )
        let method = MethodCatalog.secretsSealBatch.name
        try Self.checkCount(response.results.count, expected: items.count, method: method)
        return response.results.map { Self.itemResult($0.status, $0.sealed, method: method) }
    }

    /// Opens many sealed values in one call (`tessera.v1.Secrets/OpenBatch`); each item succeeds or fails alone.
    ///
    /// - Parameters:
    ///   - items: The sealed values with their contexts.
    ///   - timeout: The call's deadline; the configured default when `nil`.
    /// - Returns: One result per item, in order: the plaintext, or the item's own failure (a `.status` code).
    /// - Throws: ``TesseraClientError`` when the call as a whole fails (for example too many items).
    public func openBatch(
        _ items: [BatchItem],
        timeout: Duration? = nil
    ) async throws -> [Result<[UInt8], TesseraClientError>] {
        var request = Tessera_V1_OpenBatchRequest()
        request.items = items.map { item in
            var one = Tessera_V1_OpenRequest()
            one.sealed = Data(item.bytes)
            one.context = item.context
            return one
        }
        let response = try await self.call(
            MethodCatalog.secretsOpenBatch, request, as: Tessera_V1_OpenBatchResponse.self, timeout: timeout
        )
        let method = MethodCatalog.secretsOpenBatch.name
        try Self.checkCount(response.results.count, expected: items.count, method: method)
        return response.results.map { Self.itemResult($0.status, $0.plaintext, method: method) }
    }

    private static func checkCount(_ count: Int, expected: Int, method: String) throws {
        guard count == expected else {
            throw TesseraClientError(
                .protocolViolation, "\(count) results for \(expected) items", method: method
            )
        }
    }

    private static func itemResult(
        _ status: Tessera_Wire_V1_Status,
        _ bytes: Data,
        method: String
    ) -> Result<[UInt8], TesseraClientError> {
        let code = status.statusCode
        guard code == .ok else {
            return .failure(TesseraClientError(.status(code), status.message, method: method))
        }
        return .success(Array(bytes))
    }

    // MARK: Health

    /// Asks whether the server can serve calls (`tessera.v1.Health/Check`).
    ///
    /// - Parameter timeout: The call's deadline; the configured default when `nil`.
    /// - Returns: The server's verdict and the state of its components.
    /// - Throws: ``TesseraClientError`` when the server cannot be reached or answers with an error status.
    public func health(timeout: Duration? = nil) async throws -> HealthReport {
        let response = try await self.call(
            MethodCatalog.healthCheck, Tessera_V1_HealthCheckRequest(), as: Tessera_V1_HealthCheckResponse.self,
            timeout: timeout
        )
        return HealthReport(response)
    }
}
