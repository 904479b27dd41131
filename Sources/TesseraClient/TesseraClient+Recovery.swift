import Foundation
import TesseraWire

/// Typed methods of `Invitations`, `PasswordResets` and `EmailVerification` (see their protos). Codes, tokens and
/// reset secrets in the responses are for the end user only: never log them.
extension TesseraClient {
    // MARK: Invitations

    /// Creates an invitation (`tessera.v1.Invitations/Create`); the code is in the response, once.
    public func createInvitation(
        role: String = "",
        maxUses: Int32 = 0,
        ttlSeconds: Int64 = 0,
        createdBy: String = "",
        email: String = "",
        timeout: Duration? = nil
    ) async throws -> Tessera_V1_CreateInvitationResponse {
        var request = Tessera_V1_CreateInvitationRequest()
        request.role = role
        request.maxUses = maxUses
        request.ttlSeconds = ttlSeconds
        request.createdBy = createdBy
        request.email = email
        return try await call(MethodCatalog.invitationsCreate, request, timeout: timeout)
    }

    /// An invitation by id (`tessera.v1.Invitations/Get`).
    public func invitation(id: String, timeout: Duration? = nil) async throws -> Tessera_V1_Invitation {
        var request = Tessera_V1_GetInvitationRequest()
        request.id = id
        let response: Tessera_V1_GetInvitationResponse = try await call(
            MethodCatalog.invitationsGet, request, timeout: timeout)
        return response.invitation
    }

    /// A page of invitations (`tessera.v1.Invitations/List`).
    public func invitations(after: String = "", limit: Int32 = 0, timeout: Duration? = nil) async throws
        -> [Tessera_V1_Invitation]
    {
        var request = Tessera_V1_ListInvitationsRequest()
        request.after = after
        request.limit = limit
        let response: Tessera_V1_ListInvitationsResponse = try await call(
            MethodCatalog.invitationsList, request, timeout: timeout)
        return response.invitations
    }

    /// Revokes an invitation (`tessera.v1.Invitations/Revoke`); false when it already was.
    public func revokeInvitation(id: String, actorID: String = "", timeout: Duration? = nil) async throws -> Bool {
        var request = Tessera_V1_RevokeInvitationRequest()
        request.id = id
        request.actorID = actorID
        let response: Tessera_V1_RevokeInvitationResponse = try await call(
            MethodCatalog.invitationsRevoke, request, timeout: timeout)
        return response.revoked
    }

    /// Registers with an invitation code (`tessera.v1.Accounts/Register`).
    public func register(email: String, password: String, invitationCode: String, timeout: Duration? = nil)
        async throws -> Tessera_V1_RegisterResponse
    {
        var request = Tessera_V1_RegisterRequest()
        request.email = email
        request.password = password
        request.invitationCode = invitationCode
        return try await call(MethodCatalog.accountsRegister, request, timeout: timeout)
    }

    // MARK: Password resets

    /// Requests a reset (`tessera.v1.PasswordResets/Request`): a ticket, or no account. Show the end user the same
    /// message for both.
    public func requestPasswordReset(
        email: String,
        clientIP: String = "",
        codeDigits: Int32 = 0,
        timeout: Duration? = nil
    ) async throws -> Tessera_V1_RequestPasswordResetResponse {
        var request = Tessera_V1_RequestPasswordResetRequest()
        request.email = email
        request.clientIp = clientIP
        request.codeDigits = codeDigits
        return try await call(MethodCatalog.passwordResetsRequest, request, timeout: timeout)
    }

    /// Sets a new password with a link token (`tessera.v1.PasswordResets/Consume`).
    public func consumePasswordReset(token: String, newPassword: String, timeout: Duration? = nil) async throws
        -> Tessera_V1_ConsumePasswordResetResponse
    {
        var request = Tessera_V1_ConsumePasswordResetRequest()
        request.token = token
        request.newPassword = newPassword
        return try await call(MethodCatalog.passwordResetsConsume, request, timeout: timeout)
    }

    /// Sets a new password with a numeric code (`tessera.v1.PasswordResets/Consume`).
    public func consumePasswordReset(email: String, code: String, newPassword: String, timeout: Duration? = nil)
        async throws -> Tessera_V1_ConsumePasswordResetResponse
    {
        var request = Tessera_V1_ConsumePasswordResetRequest()
        var wire = Tessera_V1_ResetCode()
        wire.email = email
        wire.code = code
        request.code = wire
        request.newPassword = newPassword
        return try await call(MethodCatalog.passwordResetsConsume, request, timeout: timeout)
    }

    // MARK: Email verification

    /// Issues a verification token for the user's address (`tessera.v1.EmailVerification/Request`).
    public func requestEmailVerification(userID: String, timeout: Duration? = nil) async throws
        -> Tessera_V1_RequestEmailVerificationResponse
    {
        var request = Tessera_V1_RequestEmailVerificationRequest()
        request.userID = userID
        return try await call(MethodCatalog.emailVerificationRequest, request, timeout: timeout)
    }

    /// Confirms a verification token (`tessera.v1.EmailVerification/Confirm`).
    public func confirmEmail(token: String, timeout: Duration? = nil) async throws -> Tessera_V1_ConfirmEmailResponse {
        var request = Tessera_V1_ConfirmEmailRequest()
        request.token = token
        return try await call(MethodCatalog.emailVerificationConfirm, request, timeout: timeout)
    }
}
