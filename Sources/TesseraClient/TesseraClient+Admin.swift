import Foundation
import TesseraWire

/// Typed methods of `tessera.v1.Admin`, the operators' key management (`tessera keys … --server`). The caller
/// needs these methods granted; those that change anything need a grant by name or `*`. The responses hold
/// versions, counts and fingerprints, never key material.
extension TesseraClient {
    /// The keyring's versions, counts, usage and rewrap (`tessera.v1.Admin/GetKeyringStatus`).
    public func keyringStatus(timeout: Duration? = nil) async throws -> Tessera_V1_GetKeyringStatusResponse {
        try await call(MethodCatalog.adminGetKeyringStatus, Tessera_V1_GetKeyringStatusRequest(), timeout: timeout)
    }

    /// Adds and activates a master key version (`tessera.v1.Admin/RotateMasterKey`).
    /// - Returns: The new active version.
    public func rotateMasterKey(timeout: Duration? = nil) async throws -> UInt32 {
        let response: Tessera_V1_RotateMasterKeyResponse = try await call(
            MethodCatalog.adminRotateMasterKey, Tessera_V1_RotateMasterKeyRequest(), timeout: timeout
        )
        return response.version
    }

    /// Starts (or resumes) the server-driven rewrap (`tessera.v1.Admin/StartRewrap`); returns at once.
    /// - Parameters:
    ///   - batchSize: Rows per batch, 0 for the server's default (500).
    ///   - pauseMilliseconds: The pause between batches.
    /// - Returns: The rewrap as stored.
    /// - Throws: ``TesseraClientError`` with `FAILED_PRECONDITION` when one is already running.
    public func startRewrap(batchSize: UInt32 = 0, pauseMilliseconds: UInt32 = 0, timeout: Duration? = nil)
        async throws -> Tessera_V1_RewrapStatus
    {
        var request = Tessera_V1_StartRewrapRequest()
        request.batchSize = batchSize
        request.pauseMs = pauseMilliseconds
        let response: Tessera_V1_StartRewrapResponse = try await call(
            MethodCatalog.adminStartRewrap, request, timeout: timeout
        )
        return response.rewrap
    }

    /// The rewrap's progress (`tessera.v1.Admin/GetRewrap`): poll it to watch.
    public func rewrapStatus(timeout: Duration? = nil) async throws -> Tessera_V1_RewrapStatus {
        let response: Tessera_V1_GetRewrapResponse = try await call(
            MethodCatalog.adminGetRewrap, Tessera_V1_GetRewrapRequest(), timeout: timeout
        )
        return response.rewrap
    }

    /// Pauses the running rewrap (`tessera.v1.Admin/PauseRewrap`).
    /// - Throws: ``TesseraClientError`` with `FAILED_PRECONDITION` when none is running.
    public func pauseRewrap(timeout: Duration? = nil) async throws -> Tessera_V1_RewrapStatus {
        let response: Tessera_V1_PauseRewrapResponse = try await call(
            MethodCatalog.adminPauseRewrap, Tessera_V1_PauseRewrapRequest(), timeout: timeout
        )
        return response.rewrap
    }

    /// Retires a decrypt-only version nothing references (`tessera.v1.Admin/RetireMasterKey`).
    /// - Throws: ``TesseraClientError`` with `FAILED_PRECONDITION` for the active version or one still referenced,
    ///   `NOT_FOUND` for an unknown one.
    public func retireMasterKey(version: UInt32, timeout: Duration? = nil) async throws {
        var request = Tessera_V1_RetireMasterKeyRequest()
        request.version = version
        let _: Tessera_V1_RetireMasterKeyResponse = try await call(
            MethodCatalog.adminRetireMasterKey, request, timeout: timeout
        )
    }

    /// The audit chain's length and last verification (`tessera.v1.Admin/GetAuditSummary`).
    public func auditSummary(timeout: Duration? = nil) async throws -> Tessera_V1_GetAuditSummaryResponse {
        try await call(MethodCatalog.adminGetAuditSummary, Tessera_V1_GetAuditSummaryRequest(), timeout: timeout)
    }

    /// Verifies the audit chain on the server now (`tessera.v1.Admin/VerifyAudit`); give a long timeout.
    public func verifyAudit(timeout: Duration? = nil) async throws -> Tessera_V1_AuditVerificationSummary {
        let response: Tessera_V1_VerifyAuditResponse = try await call(
            MethodCatalog.adminVerifyAudit, Tessera_V1_VerifyAuditRequest(), timeout: timeout
        )
        return response.verification
    }
}
