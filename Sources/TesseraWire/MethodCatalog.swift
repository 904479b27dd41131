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

    /// All methods, in the order of the protos.
    public static let all: [MethodDescriptor] = [
        healthCheck, passwordsHash, passwordsVerify, totpGenerate, totpVerify, totpRewrap,
        secretsSeal, secretsOpen, secretsSealBatch, secretsOpenBatch, secretsRewrap,
    ]

    /// Methods by wire name.
    public static let byName: [String: MethodDescriptor] = Dictionary(
        uniqueKeysWithValues: all.map { ($0.name, $0) }
    )

    /// The method with this wire name, or `nil` (the server answers `UNIMPLEMENTED`).
    public static func method(named name: String) -> MethodDescriptor? { byName[name] }
}
