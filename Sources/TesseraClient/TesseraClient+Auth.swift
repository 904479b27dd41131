import Foundation
import TesseraWire

/// Typed methods of the stateful services (`Accounts`, `Mfa`, `Sessions`). They return the protocol's response
/// messages, whose `oneof` cases are the outcomes (see `proto/tessera/v1/accounts.proto`); secrets in them (refresh
/// tokens, challenges, recovery codes) are for the end user only: never log them.
extension TesseraClient {
    // MARK: Accounts

    /// Creates an account (`tessera.v1.Accounts/Register`).
    /// - Returns: The new user's id, or the reason the password was refused.
    public func register(email: String, password: String, timeout: Duration? = nil) async throws
        -> Tessera_V1_RegisterResponse
    {
        var request = Tessera_V1_RegisterRequest()
        request.email = email
        request.password = password
        return try await call(MethodCatalog.accountsRegister, request, timeout: timeout)
    }

    /// Signs in with a password (`tessera.v1.Accounts/Authenticate`).
    /// - Returns: A session, an MFA challenge, or invalid credentials.
    public func authenticate(
        email: String,
        password: String,
        deviceInfo: [String: String] = [:],
        clientIP: String = "",
        timeout: Duration? = nil
    ) async throws -> Tessera_V1_AuthenticateResponse {
        var request = Tessera_V1_AuthenticateRequest()
        request.email = email
        request.password = password
        request.deviceInfo = deviceInfo
        request.clientIp = clientIP
        return try await call(MethodCatalog.accountsAuthenticate, request, timeout: timeout)
    }

    /// Completes a sign-in with a TOTP or recovery code (`tessera.v1.Accounts/CompleteMfa`).
    public func completeMfa(challenge: String, code: String, timeout: Duration? = nil) async throws
        -> Tessera_V1_CompleteMfaResponse
    {
        var request = Tessera_V1_CompleteMfaRequest()
        request.challengeToken = challenge
        request.code = code
        return try await call(MethodCatalog.accountsCompleteMfa, request, timeout: timeout)
    }

    /// Changes a password (`tessera.v1.Accounts/ChangePassword`); the other sessions are revoked.
    public func changePassword(
        userID: String,
        current: String,
        new: String,
        keepSessionID: String = "",
        timeout: Duration? = nil
    ) async throws -> Tessera_V1_ChangePasswordResponse {
        var request = Tessera_V1_ChangePasswordRequest()
        request.userID = userID
        request.currentPassword = current
        request.newPassword = new
        request.keepSessionID = keepSessionID
        return try await call(MethodCatalog.accountsChangePassword, request, timeout: timeout)
    }

    /// An account by id (`tessera.v1.Accounts/GetUser`).
    public func user(id: String, timeout: Duration? = nil) async throws -> Tessera_V1_User {
        var request = Tessera_V1_GetUserRequest()
        request.userID = id
        return try await call(MethodCatalog.accountsGetUser, request, as: Tessera_V1_GetUserResponse.self).user
    }

    /// Clears a lockout (`tessera.v1.Accounts/UnlockUser`, its own grant).
    public func unlockUser(id: String, timeout: Duration? = nil) async throws {
        var request = Tessera_V1_UnlockUserRequest()
        request.userID = id
        _ = try await call(MethodCatalog.accountsUnlockUser, request, as: Tessera_V1_UnlockUserResponse.self)
    }

    /// Disables (or, with `enable`, enables) an account (`tessera.v1.Accounts/DisableUser`, its own grant).
    /// - Returns: How many sessions were revoked.
    @discardableResult
    public func disableUser(id: String, enable: Bool = false, timeout: Duration? = nil) async throws -> Int {
        var request = Tessera_V1_DisableUserRequest()
        request.userID = id
        request.enable = enable
        let response = try await call(
            MethodCatalog.accountsDisableUser, request, as: Tessera_V1_DisableUserResponse.self, timeout: timeout
        )
        return Int(response.revokedSessions)
    }

    // MARK: Mfa

    /// Starts a TOTP enrolment (`tessera.v1.Mfa/BeginTotpEnrolment`).
    public func beginTotpEnrolment(userID: String, timeout: Duration? = nil) async throws
        -> Tessera_V1_BeginTotpEnrolmentResponse
    {
        var request = Tessera_V1_BeginTotpEnrolmentRequest()
        request.userID = userID
        return try await call(MethodCatalog.mfaBeginTotpEnrolment, request, timeout: timeout)
    }

    /// Confirms a TOTP enrolment (`tessera.v1.Mfa/ConfirmTotpEnrolment`).
    /// - Returns: The recovery codes (shown once), or nil when the code was wrong.
    public func confirmTotpEnrolment(
        userID: String,
        enrolmentToken: String,
        code: String,
        timeout: Duration? = nil
    ) async throws -> [String]? {
        var request = Tessera_V1_ConfirmTotpEnrolmentRequest()
        request.userID = userID
        request.enrolmentToken = enrolmentToken
        request.code = code
        let response = try await call(
            MethodCatalog.mfaConfirmTotpEnrolment, request, as: Tessera_V1_ConfirmTotpEnrolmentResponse.self,
            timeout: timeout
        )
        return response.codeValid ? response.recoveryCodes : nil
    }

    /// Turns TOTP off (`tessera.v1.Mfa/DisableTotp`). Returns whether the code matched.
    public func disableTotp(userID: String, code: String, timeout: Duration? = nil) async throws -> Bool {
        var request = Tessera_V1_MfaCodeRequest()
        request.userID = userID
        request.code = code
        return try await call(
            MethodCatalog.mfaDisableTotp, request, as: Tessera_V1_DisableTotpResponse.self, timeout: timeout
        ).codeValid
    }

    /// Replaces the recovery codes (`tessera.v1.Mfa/RegenerateRecoveryCodes`); nil when the code was wrong.
    public func regenerateRecoveryCodes(userID: String, code: String, timeout: Duration? = nil) async throws
        -> [String]?
    {
        var request = Tessera_V1_MfaCodeRequest()
        request.userID = userID
        request.code = code
        let response = try await call(
            MethodCatalog.mfaRegenerateRecoveryCodes, request, as: Tessera_V1_RecoveryCodesResponse.self,
            timeout: timeout
        )
        return response.codeValid ? response.recoveryCodes : nil
    }

    /// How many unused recovery codes a user has (`tessera.v1.Mfa/RecoveryCodesLeft`).
    public func recoveryCodesLeft(userID: String, timeout: Duration? = nil) async throws -> Int {
        var request = Tessera_V1_RecoveryCodesLeftRequest()
        request.userID = userID
        return Int(
            try await call(
                MethodCatalog.mfaRecoveryCodesLeft, request, as: Tessera_V1_RecoveryCodesLeftResponse.self,
                timeout: timeout
            ).remaining
        )
    }

    // MARK: Sessions

    /// Exchanges a refresh token for its successor (`tessera.v1.Sessions/Refresh`; never retried by the client).
    public func refresh(token: String, timeout: Duration? = nil) async throws -> Tessera_V1_RefreshResponse {
        var request = Tessera_V1_RefreshRequest()
        request.refreshToken = token
        return try await call(MethodCatalog.sessionsRefresh, request, timeout: timeout)
    }

    /// Revokes one session (`tessera.v1.Sessions/Revoke`). Returns whether a live one was revoked.
    public func revokeSession(userID: String, sessionID: String, timeout: Duration? = nil) async throws -> Bool {
        var request = Tessera_V1_RevokeSessionRequest()
        request.userID = userID
        request.sessionID = sessionID
        return try await call(
            MethodCatalog.sessionsRevoke, request, as: Tessera_V1_RevokeSessionResponse.self, timeout: timeout
        ).revoked
    }

    /// Revokes every session of a user (`tessera.v1.Sessions/RevokeAll`). Returns how many.
    public func revokeAllSessions(userID: String, timeout: Duration? = nil) async throws -> Int {
        var request = Tessera_V1_RevokeAllSessionsRequest()
        request.userID = userID
        return Int(
            try await call(
                MethodCatalog.sessionsRevokeAll, request, as: Tessera_V1_RevokeAllSessionsResponse.self,
                timeout: timeout
            ).revokedSessions
        )
    }

    /// A user's live sessions (`tessera.v1.Sessions/List`).
    public func sessions(userID: String, timeout: Duration? = nil) async throws -> [Tessera_V1_SessionInfo] {
        var request = Tessera_V1_ListSessionsRequest()
        request.userID = userID
        return try await call(
            MethodCatalog.sessionsList, request, as: Tessera_V1_ListSessionsResponse.self, timeout: timeout
        ).sessions
    }
}
