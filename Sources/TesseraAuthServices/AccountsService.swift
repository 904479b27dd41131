import Foundation
import TesseraAuth
import TesseraServer
import TesseraWire

/// `tessera.v1.Accounts`: a thin adapter over ``AuthFlows`` (decode, call the domain, encode the outcome).
public struct AccountsService: Sendable {
    let flows: AuthFlows
    let refusal: CallRouter.Refusal?

    /// Creates the service.
    /// - Parameters:
    ///   - flows: The login flows.
    ///   - hashingQueueFull: The hasher's admission check, run before a call that hashes gets a task.
    public init(flows: AuthFlows, hashingQueueFull: CallRouter.Refusal? = nil) {
        self.flows = flows
        self.refusal = hashingQueueFull
    }

    /// Registers the seven methods.
    public func register(into router: inout CallRouter) {
        let flows = self.flows
        router.register(
            MethodCatalog.accountsRegister, request: Tessera_V1_RegisterRequest.self, refusingWhen: refusal,
            hashesPasswords: true
        ) { request, _ in
            try await AuthCallError.run {
                var response = Tessera_V1_RegisterResponse()
                switch try await flows.register(
                    email: request.email, password: request.password, invitationCode: request.invitationCode
                ) {
                case .registered(let id): response.userID = id.uuidString.lowercased()
                case .passwordRefused(let reason): response.passwordRefused = AuthWire.refusal(reason)
                case .invitationRefused(let reason): response.invitationRefused = AuthWire.invitationRefusal(reason)
                }
                return response
            }
        }
        router.register(
            MethodCatalog.accountsAuthenticate, request: Tessera_V1_AuthenticateRequest.self, refusingWhen: refusal,
            hashesPasswords: true
        ) { request, _ in
            try await AuthCallError.run {
                var response = Tessera_V1_AuthenticateResponse()
                switch try await flows.authenticate(
                    email: request.email, password: request.password, deviceInfo: request.deviceInfo,
                    clientAddress: request.clientIp
                ) {
                case .session(let session):
                    response.session = AuthWire.session(session)
                case .mfaRequired(let challenge, let expiresAt):
                    var wire = Tessera_V1_MfaChallenge()
                    wire.challengeToken = challenge.reveal()
                    wire.expiresAtUnix = AuthWire.unix(expiresAt)
                    response.mfaRequired = wire
                case .invalidCredentials:
                    response.invalidCredentials = Tessera_V1_InvalidCredentials()
                case .emailNotVerified:
                    response.emailNotVerified = Tessera_V1_EmailNotVerified()
                }
                return response
            }
        }
        router.register(MethodCatalog.accountsCompleteMfa, request: Tessera_V1_CompleteMfaRequest.self) { request, _ in
            try await AuthCallError.run {
                var response = Tessera_V1_CompleteMfaResponse()
                switch try await flows.completeMfa(challenge: request.challengeToken, code: request.code) {
                case .session(let session):
                    response.session = AuthWire.session(session)
                case .invalidCode(let left):
                    var wire = Tessera_V1_InvalidCode()
                    wire.attemptsLeft = Int32(clamping: left)
                    response.invalidCode = wire
                case .invalidChallenge:
                    response.invalidChallenge = Tessera_V1_InvalidChallenge()
                }
                return response
            }
        }
        router.register(
            MethodCatalog.accountsChangePassword, request: Tessera_V1_ChangePasswordRequest.self,
            refusingWhen: refusal, hashesPasswords: true
        ) { request, _ in
            try await AuthCallError.run {
                let keep =
                    request.keepSessionID.isEmpty
                    ? nil : try AuthWire.uuid(request.keepSessionID, field: "keep_session_id")
                var response = Tessera_V1_ChangePasswordResponse()
                switch try await flows.changePassword(
                    userID: try AuthWire.uuid(request.userID), current: request.currentPassword,
                    new: request.newPassword, keepSession: keep
                ) {
                case .changed(let revoked):
                    response.changed = true
                    response.revokedSessions = Int32(clamping: revoked)
                case .invalidCredentials:
                    response.invalidCredentials = true
                case .passwordRefused(let reason):
                    response.passwordRefused = AuthWire.refusal(reason)
                }
                return response
            }
        }
        router.register(MethodCatalog.accountsGetUser, request: Tessera_V1_GetUserRequest.self) { request, _ in
            try await AuthCallError.run {
                let user: UserSummary
                switch (request.userID.isEmpty, request.email.isEmpty) {
                case (false, true): user = try await flows.user(id: try AuthWire.uuid(request.userID))
                case (true, false): user = try await flows.user(email: request.email)
                default: throw CallError(.invalidArgument, "give exactly one of user_id and email")
                }
                var response = Tessera_V1_GetUserResponse()
                response.user = AuthWire.user(user)
                return response
            }
        }
        router.register(MethodCatalog.accountsUnlockUser, request: Tessera_V1_UnlockUserRequest.self) { request, _ in
            try await AuthCallError.run {
                try await flows.unlock(userID: try AuthWire.uuid(request.userID))
                return Tessera_V1_UnlockUserResponse()
            }
        }
        router.register(MethodCatalog.accountsDisableUser, request: Tessera_V1_DisableUserRequest.self) { request, _ in
            try await AuthCallError.run {
                var response = Tessera_V1_DisableUserResponse()
                let revoked = try await flows.setDisabled(userID: try AuthWire.uuid(request.userID), !request.enable)
                response.revokedSessions = Int32(clamping: revoked)
                return response
            }
        }
    }
}
