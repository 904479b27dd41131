import Foundation
import TesseraCrypto
import TesseraWire

/// `tessera.v1.Totp`: stateless TOTP enrolment and verification (RFC 6238).
///
/// Generated secrets are sealed with the request's context under the purpose ``EnvelopePurpose/totpSecret``, which
/// the crypto layer binds into the associated data, so a sealed TOTP secret cannot be opened through
/// `Secrets/Open`, nor a value sealed through `Secrets/Seal` passed off as a TOTP secret.
public struct TotpService: Sendable {
    private let cipher: EnvelopeCipher
    private let window: Int
    private let now: @Sendable () -> Date

    /// Creates the service.
    ///
    /// - Parameters:
    ///   - cipher: The envelope cipher that seals and opens secrets.
    ///   - window: The skew window for verification, in steps either side of the current one (default 1).
    ///   - now: The clock (tests may fix it).
    public init(cipher: EnvelopeCipher, window: Int = 1, now: @escaping @Sendable () -> Date = { Date() }) {
        self.cipher = cipher
        self.window = window
        self.now = now
    }

    /// Registers `Generate`, `Verify` and `Rewrap`.
    ///
    /// - Parameter router: The router to add the methods to.
    public func register(into router: inout CallRouter) {
        router.registerImmediate(MethodCatalog.totpGenerate, request: Tessera_V1_GenerateTotpRequest.self) {
            request, _ in
            try generate(request)
        }
        router.registerImmediate(MethodCatalog.totpVerify, request: Tessera_V1_VerifyTotpRequest.self) { request, _ in
            try verify(request)
        }
        router.registerOnEventLoop(MethodCatalog.totpRewrap, request: Tessera_V1_RewrapRequest.self) { request, _ in
            try SecretsService.rewrap(request, purpose: .totpSecret, cipher: cipher)
        }
    }

    func generate(_ request: Tessera_V1_GenerateTotpRequest) throws -> Tessera_V1_GenerateTotpResponse {
        let parameters = try Self.parameters(
            algorithm: request.algorithm,
            digits: request.digits,
            periodSeconds: request.periodSeconds
        )
        let context = try Self.sealingContext(request.context)
        let enrolment = try TOTPEnrolment(issuer: request.issuer, account: request.account, parameters: parameters)
        // Sealed from its own zeroing storage: no `Data` copy of the seed is left behind.
        let sealed = try cipher.seal(enrolment.secret.bytes, context: context)
        var response = Tessera_V1_GenerateTotpResponse()
        response.secretBase32 = enrolment.secret.revealBase32()
        response.otpauthUri = enrolment.uri.revealString()
        response.qrPng = Data(enrolment.qrPNG)
        response.sealedSecret = Data(sealed.serialized)
        return response
    }

    func verify(_ request: Tessera_V1_VerifyTotpRequest) throws -> Tessera_V1_VerifyTotpResponse {
        let parameters = try Self.parameters(
            algorithm: request.algorithm,
            digits: request.digits,
            periodSeconds: request.periodSeconds
        )
        let secret: TOTPSecret
        switch request.secret {
        case .sealedSecret(let sealed):
            let context = try Self.sealingContext(request.context)
            do {
                secret = try TOTPSecret(bytes: try cipher.open(serialized: sealed, context: context))
            } catch {
                throw CallError(.invalidArgument, CallError.sealedValueDoesNotOpen)
            }
        case .secretBase32(let text):
            let compact = String(text.unicodeScalars.filter { $0 != " " })
            do {
                secret = try TOTPSecret(base32: compact, allowPadding: true)
            } catch {
                throw CallError(.invalidArgument, "secret_base32 is not a valid base32 TOTP secret")
            }
        case nil:
            throw CallError(.invalidArgument, "one of sealed_secret or secret_base32 is required")
        }
        guard TOTP.isWellFormed(request.code, parameters: parameters) else {
            throw CallError(.invalidArgument, "code must be exactly \(parameters.digits) ASCII digits")
        }
        let instant = now()
        var response = Tessera_V1_VerifyTotpResponse()
        if let match = try TOTP.verify(
            code: request.code,
            secret: secret,
            at: instant,
            parameters: parameters,
            window: window
        ) {
            response.valid = true
            response.timeStep = match.timeStep
            let seconds = match.expiresIn.components.seconds
            let rounded = match.expiresIn.components.attoseconds > 0 ? seconds + 1 : seconds
            response.expiresInSeconds = UInt32(clamping: max(0, rounded))
        }
        return response
    }

    /// The request's context under the TOTP purpose; a context using a reserved `tessera.` key is refused.
    static func sealingContext(_ entries: [String: String]) throws -> EncryptionContext {
        try SecretsService.context(entries, purpose: .totpSecret)
    }

    /// The TOTP parameters of a request, with 0 / UNSPECIFIED meaning the defaults.
    static func parameters(
        algorithm: Tessera_V1_TotpAlgorithm,
        digits: UInt32,
        periodSeconds: UInt32
    ) throws -> TOTPParameters {
        let hash: TOTPAlgorithm
        switch algorithm {
        case .unspecified, .sha1: hash = .sha1
        case .sha256: hash = .sha256
        case .sha512: hash = .sha512
        case .UNRECOGNIZED: throw CallError(.invalidArgument, "algorithm is not a known TotpAlgorithm")
        }
        return try TOTPParameters(
            algorithm: hash,
            digits: digits == 0 ? 6 : Int(digits),
            periodSeconds: periodSeconds == 0 ? 30 : Int(clamping: periodSeconds)
        )
    }
}
