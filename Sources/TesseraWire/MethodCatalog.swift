/// Every RPC method Tessera serves, as one table that the server, the client and the CLI share.
///
/// A method absent from this table is answered with `UNIMPLEMENTED`. Keep it in step with `proto/tessera/v1/`
/// (a test checks that every `rpc` in the protos is here and nothing else is).
public enum MethodCatalog {
    /// `tessera.v1.Health/Check`.
    public static let healthCheck = MethodDescriptor(
        "tessera.v1.Health/Check", request: Tessera_V1_HealthCheckRequest.self,
        response: Tessera_V1_HealthCheckResponse.self, isSafeToRetry: true
    )
    /// `tessera.v1.Passwords/Hash`.
    public static let passwordsHash = MethodDescriptor(
        "tessera.v1.Passwords/Hash", request: Tessera_V1_HashPasswordRequest.self,
        response: Tessera_V1_HashPasswordResponse.self, isSafeToRetry: true
    )
    /// `tessera.v1.Passwords/Verify`.
    public static let passwordsVerify = MethodDescriptor(
        "tessera.v1.Passwords/Verify", request: Tessera_V1_VerifyPasswordRequest.self,
        response: Tessera_V1_VerifyPasswordResponse.self, isSafeToRetry: true
    )
    /// `tessera.v1.Totp/Generate`.
    public static let totpGenerate = MethodDescriptor(
        "tessera.v1.Totp/Generate", request: Tessera_V1_GenerateTotpRequest.self,
        response: Tessera_V1_GenerateTotpResponse.self, isSafeToRetry: true
    )
    /// `tessera.v1.Totp/Verify` (stateless: replay protection is the caller's or a later stateful service's).
    public static let totpVerify = MethodDescriptor(
        "tessera.v1.Totp/Verify", request: Tessera_V1_VerifyTotpRequest.self,
        response: Tessera_V1_VerifyTotpResponse.self, isSafeToRetry: true
    )
    /// `tessera.v1.Totp/Rewrap`: moves a sealed TOTP secret to the active master key version.
    public static let totpRewrap = MethodDescriptor(
        "tessera.v1.Totp/Rewrap", request: Tessera_V1_RewrapRequest.self,
        response: Tessera_V1_RewrapResponse.self, isSafeToRetry: true
    )
    /// `tessera.v1.Secrets/Seal`.
    public static let secretsSeal = MethodDescriptor(
        "tessera.v1.Secrets/Seal", request: Tessera_V1_SealRequest.self,
        response: Tessera_V1_SealResponse.self, isSafeToRetry: true
    )
    /// `tessera.v1.Secrets/Open`.
    public static let secretsOpen = MethodDescriptor(
        "tessera.v1.Secrets/Open", request: Tessera_V1_OpenRequest.self,
        response: Tessera_V1_OpenResponse.self, isSafeToRetry: true
    )
    /// `tessera.v1.Secrets/SealBatch`.
    public static let secretsSealBatch = MethodDescriptor(
        "tessera.v1.Secrets/SealBatch", request: Tessera_V1_SealBatchRequest.self,
        response: Tessera_V1_SealBatchResponse.self, isSafeToRetry: true
    )
    /// `tessera.v1.Secrets/OpenBatch`.
    public static let secretsOpenBatch = MethodDescriptor(
        "tessera.v1.Secrets/OpenBatch", request: Tessera_V1_OpenBatchRequest.self,
        response: Tessera_V1_OpenBatchResponse.self, isSafeToRetry: true
    )
    /// `tessera.v1.Secrets/Rewrap`.
    public static let secretsRewrap = MethodDescriptor(
        "tessera.v1.Secrets/Rewrap", request: Tessera_V1_RewrapRequest.self,
        response: Tessera_V1_RewrapResponse.self, isSafeToRetry: true
    )

    /// `tessera.v1.Accounts/Register`.
    public static let accountsRegister = MethodDescriptor(
        "tessera.v1.Accounts/Register", request: Tessera_V1_RegisterRequest.self,
        response: Tessera_V1_RegisterResponse.self, isSafeToRetry: false
    )
    /// `tessera.v1.Accounts/Authenticate`.
    public static let accountsAuthenticate = MethodDescriptor(
        "tessera.v1.Accounts/Authenticate", request: Tessera_V1_AuthenticateRequest.self,
        response: Tessera_V1_AuthenticateResponse.self, isSafeToRetry: false
    )
    /// `tessera.v1.Accounts/CompleteMfa`.
    public static let accountsCompleteMfa = MethodDescriptor(
        "tessera.v1.Accounts/CompleteMfa", request: Tessera_V1_CompleteMfaRequest.self,
        response: Tessera_V1_CompleteMfaResponse.self, isSafeToRetry: false
    )
    /// `tessera.v1.Accounts/ChangePassword`.
    public static let accountsChangePassword = MethodDescriptor(
        "tessera.v1.Accounts/ChangePassword", request: Tessera_V1_ChangePasswordRequest.self,
        response: Tessera_V1_ChangePasswordResponse.self, isSafeToRetry: false
    )
    /// `tessera.v1.Accounts/GetUser`.
    public static let accountsGetUser = MethodDescriptor(
        "tessera.v1.Accounts/GetUser", request: Tessera_V1_GetUserRequest.self,
        response: Tessera_V1_GetUserResponse.self, isSafeToRetry: true
    )
    /// `tessera.v1.Accounts/UnlockUser` (administrative: its own grant).
    public static let accountsUnlockUser = MethodDescriptor(
        "tessera.v1.Accounts/UnlockUser", request: Tessera_V1_UnlockUserRequest.self,
        response: Tessera_V1_UnlockUserResponse.self, isSafeToRetry: true, needsOwnGrant: true
    )
    /// `tessera.v1.Accounts/DisableUser` (administrative: its own grant).
    public static let accountsDisableUser = MethodDescriptor(
        "tessera.v1.Accounts/DisableUser", request: Tessera_V1_DisableUserRequest.self,
        response: Tessera_V1_DisableUserResponse.self, isSafeToRetry: true, needsOwnGrant: true
    )
    /// `tessera.v1.Mfa/BeginTotpEnrolment`.
    public static let mfaBeginTotpEnrolment = MethodDescriptor(
        "tessera.v1.Mfa/BeginTotpEnrolment", request: Tessera_V1_BeginTotpEnrolmentRequest.self,
        response: Tessera_V1_BeginTotpEnrolmentResponse.self, isSafeToRetry: false
    )
    /// `tessera.v1.Mfa/ConfirmTotpEnrolment`.
    public static let mfaConfirmTotpEnrolment = MethodDescriptor(
        "tessera.v1.Mfa/ConfirmTotpEnrolment", request: Tessera_V1_ConfirmTotpEnrolmentRequest.self,
        response: Tessera_V1_ConfirmTotpEnrolmentResponse.self, isSafeToRetry: false
    )
    /// `tessera.v1.Mfa/DisableTotp`.
    public static let mfaDisableTotp = MethodDescriptor(
        "tessera.v1.Mfa/DisableTotp", request: Tessera_V1_MfaCodeRequest.self,
        response: Tessera_V1_DisableTotpResponse.self, isSafeToRetry: false
    )
    /// `tessera.v1.Mfa/RegenerateRecoveryCodes`.
    public static let mfaRegenerateRecoveryCodes = MethodDescriptor(
        "tessera.v1.Mfa/RegenerateRecoveryCodes", request: Tessera_V1_MfaCodeRequest.self,
        response: Tessera_V1_RecoveryCodesResponse.self, isSafeToRetry: false
    )
    /// `tessera.v1.Mfa/RecoveryCodesLeft`.
    public static let mfaRecoveryCodesLeft = MethodDescriptor(
        "tessera.v1.Mfa/RecoveryCodesLeft", request: Tessera_V1_RecoveryCodesLeftRequest.self,
        response: Tessera_V1_RecoveryCodesLeftResponse.self, isSafeToRetry: true
    )
    /// `tessera.v1.Sessions/Refresh` (not retried: a retry after the grace window would be a replay).
    public static let sessionsRefresh = MethodDescriptor(
        "tessera.v1.Sessions/Refresh", request: Tessera_V1_RefreshRequest.self,
        response: Tessera_V1_RefreshResponse.self, isSafeToRetry: false
    )
    /// `tessera.v1.Sessions/Revoke`.
    public static let sessionsRevoke = MethodDescriptor(
        "tessera.v1.Sessions/Revoke", request: Tessera_V1_RevokeSessionRequest.self,
        response: Tessera_V1_RevokeSessionResponse.self, isSafeToRetry: true
    )
    /// `tessera.v1.Sessions/RevokeAll`.
    public static let sessionsRevokeAll = MethodDescriptor(
        "tessera.v1.Sessions/RevokeAll", request: Tessera_V1_RevokeAllSessionsRequest.self,
        response: Tessera_V1_RevokeAllSessionsResponse.self, isSafeToRetry: true
    )
    /// `tessera.v1.Sessions/List`.
    public static let sessionsList = MethodDescriptor(
        "tessera.v1.Sessions/List", request: Tessera_V1_ListSessionsRequest.self,
        response: Tessera_V1_ListSessionsResponse.self, isSafeToRetry: true
    )
    /// `tessera.v1.Invitations/Create` (not retried: a retry would create a second invitation).
    public static let invitationsCreate = MethodDescriptor(
        "tessera.v1.Invitations/Create", request: Tessera_V1_CreateInvitationRequest.self,
        response: Tessera_V1_CreateInvitationResponse.self, isSafeToRetry: false
    )
    /// `tessera.v1.Invitations/Get`.
    public static let invitationsGet = MethodDescriptor(
        "tessera.v1.Invitations/Get", request: Tessera_V1_GetInvitationRequest.self,
        response: Tessera_V1_GetInvitationResponse.self, isSafeToRetry: true
    )
    /// `tessera.v1.Invitations/List`.
    public static let invitationsList = MethodDescriptor(
        "tessera.v1.Invitations/List", request: Tessera_V1_ListInvitationsRequest.self,
        response: Tessera_V1_ListInvitationsResponse.self, isSafeToRetry: true
    )
    /// `tessera.v1.Invitations/Revoke`.
    public static let invitationsRevoke = MethodDescriptor(
        "tessera.v1.Invitations/Revoke", request: Tessera_V1_RevokeInvitationRequest.self,
        response: Tessera_V1_RevokeInvitationResponse.self, isSafeToRetry: true
    )
    /// `tessera.v1.PasswordResets/Request` (not retried: a retry would invalidate the first ticket).
    public static let passwordResetsRequest = MethodDescriptor(
        "tessera.v1.PasswordResets/Request", request: Tessera_V1_RequestPasswordResetRequest.self,
        response: Tessera_V1_RequestPasswordResetResponse.self, isSafeToRetry: false
    )
    /// `tessera.v1.PasswordResets/Consume` (not retried: the token is single use).
    public static let passwordResetsConsume = MethodDescriptor(
        "tessera.v1.PasswordResets/Consume", request: Tessera_V1_ConsumePasswordResetRequest.self,
        response: Tessera_V1_ConsumePasswordResetResponse.self, isSafeToRetry: false
    )
    /// `tessera.v1.EmailVerification/Request`.
    public static let emailVerificationRequest = MethodDescriptor(
        "tessera.v1.EmailVerification/Request", request: Tessera_V1_RequestEmailVerificationRequest.self,
        response: Tessera_V1_RequestEmailVerificationResponse.self, isSafeToRetry: false
    )
    /// `tessera.v1.EmailVerification/Confirm` (not retried: the token is single use).
    public static let emailVerificationConfirm = MethodDescriptor(
        "tessera.v1.EmailVerification/Confirm", request: Tessera_V1_ConfirmEmailRequest.self,
        response: Tessera_V1_ConfirmEmailResponse.self, isSafeToRetry: false
    )
    /// `tessera.v1.ProviderKeys/Put`.
    public static let providerKeysPut = MethodDescriptor(
        "tessera.v1.ProviderKeys/Put", request: Tessera_V1_PutProviderKeyRequest.self,
        response: Tessera_V1_PutProviderKeyResponse.self, isSafeToRetry: true
    )
    /// `tessera.v1.ProviderKeys/List`.
    public static let providerKeysList = MethodDescriptor(
        "tessera.v1.ProviderKeys/List", request: Tessera_V1_ListProviderKeysRequest.self,
        response: Tessera_V1_ListProviderKeysResponse.self, isSafeToRetry: true
    )
    /// `tessera.v1.ProviderKeys/Get` (returns a plaintext API key: its own grant, for the provider proxy only).
    public static let providerKeysGet = MethodDescriptor(
        "tessera.v1.ProviderKeys/Get", request: Tessera_V1_GetProviderKeyRequest.self,
        response: Tessera_V1_GetProviderKeyResponse.self, isSafeToRetry: true, needsOwnGrant: true
    )
    /// `tessera.v1.ProviderKeys/Delete`.
    public static let providerKeysDelete = MethodDescriptor(
        "tessera.v1.ProviderKeys/Delete", request: Tessera_V1_DeleteProviderKeyRequest.self,
        response: Tessera_V1_DeleteProviderKeyResponse.self, isSafeToRetry: true
    )
    /// `tessera.v1.Admin/GetKeyringStatus`: the keyring's versions, counts, usage and rewrap (read-only).
    public static let adminGetKeyringStatus = MethodDescriptor(
        "tessera.v1.Admin/GetKeyringStatus", request: Tessera_V1_GetKeyringStatusRequest.self,
        response: Tessera_V1_GetKeyringStatusResponse.self, isSafeToRetry: true
    )
    /// `tessera.v1.Admin/RotateMasterKey`: adds and activates a master key version (its own grant; not retried: a retry would rotate twice).
    public static let adminRotateMasterKey = MethodDescriptor(
        "tessera.v1.Admin/RotateMasterKey", request: Tessera_V1_RotateMasterKeyRequest.self,
        response: Tessera_V1_RotateMasterKeyResponse.self, isSafeToRetry: false, needsOwnGrant: true
    )
    /// `tessera.v1.Admin/StartRewrap`: starts or resumes the server-driven rewrap (its own grant).
    public static let adminStartRewrap = MethodDescriptor(
        "tessera.v1.Admin/StartRewrap", request: Tessera_V1_StartRewrapRequest.self,
        response: Tessera_V1_StartRewrapResponse.self, isSafeToRetry: false, needsOwnGrant: true
    )
    /// `tessera.v1.Admin/GetRewrap`: the rewrap's progress (read-only).
    public static let adminGetRewrap = MethodDescriptor(
        "tessera.v1.Admin/GetRewrap", request: Tessera_V1_GetRewrapRequest.self,
        response: Tessera_V1_GetRewrapResponse.self, isSafeToRetry: true
    )
    /// `tessera.v1.Admin/PauseRewrap`: pauses the rewrap (its own grant).
    public static let adminPauseRewrap = MethodDescriptor(
        "tessera.v1.Admin/PauseRewrap", request: Tessera_V1_PauseRewrapRequest.self,
        response: Tessera_V1_PauseRewrapResponse.self, isSafeToRetry: true, needsOwnGrant: true
    )
    /// `tessera.v1.Admin/RetireMasterKey`: retires an unreferenced decrypt-only version (its own grant).
    public static let adminRetireMasterKey = MethodDescriptor(
        "tessera.v1.Admin/RetireMasterKey", request: Tessera_V1_RetireMasterKeyRequest.self,
        response: Tessera_V1_RetireMasterKeyResponse.self, isSafeToRetry: true, needsOwnGrant: true
    )
    /// `tessera.v1.Admin/GetAuditSummary`: the audit chain's length and last verification (read-only).
    public static let adminGetAuditSummary = MethodDescriptor(
        "tessera.v1.Admin/GetAuditSummary", request: Tessera_V1_GetAuditSummaryRequest.self,
        response: Tessera_V1_GetAuditSummaryResponse.self, isSafeToRetry: true
    )
    /// `tessera.v1.Admin/VerifyAudit`: verifies the audit chain now (its own grant).
    public static let adminVerifyAudit = MethodDescriptor(
        "tessera.v1.Admin/VerifyAudit", request: Tessera_V1_VerifyAuditRequest.self,
        response: Tessera_V1_VerifyAuditResponse.self, isSafeToRetry: true, needsOwnGrant: true
    )
    /// All methods, in the order of the protos.
    public static let all: [MethodDescriptor] = [
        healthCheck, passwordsHash, passwordsVerify, totpGenerate, totpVerify, totpRewrap,
        secretsSeal, secretsOpen, secretsSealBatch, secretsOpenBatch, secretsRewrap,
        accountsRegister, accountsAuthenticate, accountsCompleteMfa, accountsChangePassword, accountsGetUser,
        accountsUnlockUser, accountsDisableUser, mfaBeginTotpEnrolment, mfaConfirmTotpEnrolment, mfaDisableTotp,
        mfaRegenerateRecoveryCodes, mfaRecoveryCodesLeft, sessionsRefresh, sessionsRevoke, sessionsRevokeAll,
        sessionsList, invitationsCreate, invitationsGet, invitationsList, invitationsRevoke, passwordResetsRequest,
        passwordResetsConsume, emailVerificationRequest, emailVerificationConfirm,
        providerKeysPut, providerKeysList, providerKeysGet, providerKeysDelete,
        adminGetKeyringStatus, adminRotateMasterKey, adminStartRewrap, adminGetRewrap, adminPauseRewrap,
        adminRetireMasterKey, adminGetAuditSummary, adminVerifyAudit,
    ]

    /// Methods by wire name.
    public static let byName: [String: MethodDescriptor] = Dictionary(
        uniqueKeysWithValues: all.map { ($0.name, $0) }
    )

    /// The method with this wire name, or `nil` (the server answers `UNIMPLEMENTED`).
    public static func method(named name: String) -> MethodDescriptor? { byName[name] }
}
