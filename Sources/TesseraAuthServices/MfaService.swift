import Foundation
import TesseraAuth
import TesseraServer
import TesseraWire

/// `tessera.v1.Mfa`: a thin adapter over ``AuthFlows``.
public struct MfaService: Sendable {
    let flows: AuthFlows

    /// Creates the service.
    public init(flows: AuthFlows) {
        self.flows = flows
    }

    /// Registers the five methods.
    public func register(into router: inout CallRouter) {
        let flows = self.flows
        router.register(MethodCatalog.mfaBeginTotpEnrolment, request: Tessera_V1_BeginTotpEnrolmentRequest.self) {
            request, _ in
            try await AuthCallError.run {
                let start = try await flows.beginTotpEnrolment(userID: try AuthWire.uuid(request.userID))
                var response = Tessera_V1_BeginTotpEnrolmentResponse()
                response.secretBase32 = start.enrolment.secret.revealBase32()
                response.otpauthUri = start.enrolment.uri.revealString()
                response.qrPng = Data(start.enrolment.qrPNG)
                response.enrolmentToken = start.enrolmentToken
                response.expiresAtUnix = AuthWire.unix(start.expiresAt)
                return response
            }
        }
        router.register(MethodCatalog.mfaConfirmTotpEnrolment, request: Tessera_V1_ConfirmTotpEnrolmentRequest.self) {
            request, _ in
            try await AuthCallError.run {
                var response = Tessera_V1_ConfirmTotpEnrolmentResponse()
                if case .done(let codes) = try await flows.confirmTotpEnrolment(
                    userID: try AuthWire.uuid(request.userID), enrolmentToken: request.enrolmentToken,
                    code: request.code
                ) {
                    response.codeValid = true
                    response.recoveryCodes = codes
                }
                return response
            }
        }
        router.register(MethodCatalog.mfaDisableTotp, request: Tessera_V1_MfaCodeRequest.self) { request, _ in
            try await AuthCallError.run {
                var response = Tessera_V1_DisableTotpResponse()
                if case .done = try await flows.disableTotp(
                    userID: try AuthWire.uuid(request.userID), code: request.code)
                {
                    response.codeValid = true
                }
                return response
            }
        }
        router.register(MethodCatalog.mfaRegenerateRecoveryCodes, request: Tessera_V1_MfaCodeRequest.self) {
            request, _ in
            try await AuthCallError.run {
                var response = Tessera_V1_RecoveryCodesResponse()
                if case .done(let codes) = try await flows.regenerateRecoveryCodes(
                    userID: try AuthWire.uuid(request.userID), code: request.code
                ) {
                    response.codeValid = true
                    response.recoveryCodes = codes
                }
                return response
            }
        }
        router.register(MethodCatalog.mfaRecoveryCodesLeft, request: Tessera_V1_RecoveryCodesLeftRequest.self) {
            request, _ in
            try await AuthCallError.run {
                var response = Tessera_V1_RecoveryCodesLeftResponse()
                response.remaining = Int32(
                    clamping: try await flows.recoveryCodesLeft(userID: try AuthWire.uuid(request.userID))
                )
                return response
            }
        }
    }
}
