import Foundation
import TesseraAuth
import TesseraServer
import TesseraWire

/// `tessera.v1.PasswordResets` and `tessera.v1.EmailVerification`: thin adapters over ``AuthFlows``' account
/// recovery.
public struct PasswordResetsService: Sendable {
    let flows: AuthFlows
    let refusal: CallRouter.Refusal?

    /// Creates the services.
    /// - Parameters:
    ///   - flows: The flows.
    ///   - hashingQueueFull: The hasher's admission check, for `Consume` (it hashes the new password).
    public init(flows: AuthFlows, hashingQueueFull: CallRouter.Refusal? = nil) {
        self.flows = flows
        self.refusal = hashingQueueFull
    }

    /// Registers the four methods.
    public func register(into router: inout CallRouter) {
        let flows = self.flows
        router.register(MethodCatalog.passwordResetsRequest, request: Tessera_V1_RequestPasswordResetRequest.self) {
            request, _ in
            try await AuthCallError.run {
                let delivery: PasswordResetDelivery =
                    request.codeDigits == 0 ? .link : .code(digits: Int(request.codeDigits))
                var response = Tessera_V1_RequestPasswordResetResponse()
                switch try await flows.requestPasswordReset(
                    email: request.email, delivery: delivery, clientAddress: request.clientIp)
                {
                case .issued(let ticket):
                    var wire = Tessera_V1_PasswordResetTicket()
                    wire.secret = ticket.secret
                    wire.expiresAtUnix = AuthWire.unix(ticket.expiresAt)
                    response.ticket = wire
                case .noAccount:
                    response.noAccount = Tessera_V1_NoAccount()
                }
                return response
            }
        }
        router.register(
            MethodCatalog.passwordResetsConsume, request: Tessera_V1_ConsumePasswordResetRequest.self,
            refusingWhen: refusal, hashesPasswords: true
        ) { request, _ in
            try await AuthCallError.run {
                let outcome: PasswordResetOutcome
                switch request.credential {
                case .token(let token):
                    outcome = try await flows.resetPassword(token: token, newPassword: request.newPassword)
                case .code(let code):
                    outcome = try await flows.resetPassword(
                        email: code.email, code: code.code, newPassword: request.newPassword)
                case .none:
                    throw CallError(.invalidArgument, "give a token or a code")
                }
                var response = Tessera_V1_ConsumePasswordResetResponse()
                switch outcome {
                case .reset(let userID, let revoked):
                    var wire = Tessera_V1_PasswordReset()
                    wire.userID = userID.uuidString.lowercased()
                    wire.revokedSessions = Int32(clamping: revoked)
                    response.reset = wire
                case .refused(let reason): response.refused = AuthWire.resetRefusal(reason)
                case .passwordRefused(let reason): response.passwordRefused = AuthWire.refusal(reason)
                }
                return response
            }
        }
        router.register(
            MethodCatalog.emailVerificationRequest, request: Tessera_V1_RequestEmailVerificationRequest.self
        ) { request, _ in
            try await AuthCallError.run {
                let ticket = try await flows.requestEmailVerification(userID: try AuthWire.uuid(request.userID))
                var response = Tessera_V1_RequestEmailVerificationResponse()
                response.token = ticket.token.reveal()
                response.expiresAtUnix = AuthWire.unix(ticket.expiresAt)
                return response
            }
        }
        router.register(MethodCatalog.emailVerificationConfirm, request: Tessera_V1_ConfirmEmailRequest.self) {
            request, _ in
            try await AuthCallError.run {
                var response = Tessera_V1_ConfirmEmailResponse()
                switch try await flows.confirmEmail(token: request.token) {
                case .verified(let userID): response.userID = userID.uuidString.lowercased()
                case .refused(let reason): response.refused = AuthWire.verificationRefusal(reason)
                }
                return response
            }
        }
    }
}
