import Foundation
import TesseraAdmin
import TesseraServer
import TesseraWire

/// `tessera.v1.Admin`: a thin adapter over ``KeyringAdministration`` (decode, call the domain with the caller's id,
/// encode the outcome). Which callers may call which method is the router's business (the methods that change
/// anything need their own grant, see `MethodDescriptor.needsOwnGrant`).
public struct AdminService: Sendable {
    let administration: KeyringAdministration

    /// Creates the service.
    /// - Parameter administration: The domain.
    public init(administration: KeyringAdministration) {
        self.administration = administration
    }

    /// Registers the eight methods.
    public func register(into router: inout CallRouter) {
        let admin = administration
        router.register(MethodCatalog.adminGetKeyringStatus, request: Tessera_V1_GetKeyringStatusRequest.self) {
            _, context in
            try await AdminWire.run { AdminWire.status(try await admin.status(caller: context.caller.id)) }
        }
        router.register(MethodCatalog.adminRotateMasterKey, request: Tessera_V1_RotateMasterKeyRequest.self) {
            _, context in
            try await AdminWire.run {
                var response = Tessera_V1_RotateMasterKeyResponse()
                response.version = UInt32(clamping: try await admin.rotate(caller: context.caller.id))
                return response
            }
        }
        router.register(MethodCatalog.adminStartRewrap, request: Tessera_V1_StartRewrapRequest.self) {
            request, context in
            try await AdminWire.run {
                let batchSize = request.batchSize == 0 ? 500 : Int(request.batchSize)
                var response = Tessera_V1_StartRewrapResponse()
                response.rewrap = AdminWire.rewrap(
                    try await admin.startRewrap(
                        caller: context.caller.id, batchSize: batchSize, pause: .milliseconds(Int(request.pauseMs))
                    )
                )
                return response
            }
        }
        router.register(MethodCatalog.adminGetRewrap, request: Tessera_V1_GetRewrapRequest.self) { _, context in
            try await AdminWire.run {
                var response = Tessera_V1_GetRewrapResponse()
                response.rewrap = AdminWire.rewrap(try await admin.rewrap(caller: context.caller.id))
                return response
            }
        }
        router.register(MethodCatalog.adminPauseRewrap, request: Tessera_V1_PauseRewrapRequest.self) { _, context in
            try await AdminWire.run {
                var response = Tessera_V1_PauseRewrapResponse()
                response.rewrap = AdminWire.rewrap(try await admin.pauseRewrap(caller: context.caller.id))
                return response
            }
        }
        router.register(MethodCatalog.adminRetireMasterKey, request: Tessera_V1_RetireMasterKeyRequest.self) {
            request, context in
            try await AdminWire.run {
                guard request.version >= 1 else { throw CallError(.invalidArgument, "give the version to retire") }
                try await admin.retire(caller: context.caller.id, version: Int(request.version))
                return Tessera_V1_RetireMasterKeyResponse()
            }
        }
        router.register(MethodCatalog.adminGetAuditSummary, request: Tessera_V1_GetAuditSummaryRequest.self) {
            _, context in
            try await AdminWire.run {
                let summary = try await admin.auditSummary(caller: context.caller.id)
                var response = Tessera_V1_GetAuditSummaryResponse()
                response.entries = summary.entries
                if let checkpoint = summary.lastCheckpoint {
                    response.checkpointedEntries = checkpoint.treeSize
                    response.lastCheckpointUnixMs = AdminWire.unixMilliseconds(checkpoint.signedAt)
                    response.lastCheckpointLine = checkpoint.line
                }
                if let last = summary.lastVerification { response.lastVerification = AdminWire.verification(last) }
                return response
            }
        }
        router.register(MethodCatalog.adminVerifyAudit, request: Tessera_V1_VerifyAuditRequest.self) { _, context in
            try await AdminWire.run {
                var response = Tessera_V1_VerifyAuditResponse()
                response.verification = AdminWire.verification(try await admin.verifyAudit(caller: context.caller.id))
                return response
            }
        }
    }
}
