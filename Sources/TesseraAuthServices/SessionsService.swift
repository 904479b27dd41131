import Foundation
import TesseraAuth
import TesseraServer
import TesseraWire

/// `tessera.v1.Sessions`: a thin adapter over ``AuthFlows``.
public struct SessionsService: Sendable {
    let flows: AuthFlows

    /// Creates the service.
    public init(flows: AuthFlows) {
        self.flows = flows
    }

    /// Registers the four methods.
    public func register(into router: inout CallRouter) {
        let flows = self.flows
        router.register(MethodCatalog.sessionsRefresh, request: Tessera_V1_RefreshRequest.self) { request, _ in
            try await AuthCallError.run {
                var response = Tessera_V1_RefreshResponse()
                switch try await flows.refresh(token: request.refreshToken) {
                case .refreshed(let session): response.session = AuthWire.session(session)
                case .refused(.unknown): response.refused = .unknown
                case .refused(.expired): response.refused = .expired
                case .refused(.revoked): response.refused = .revoked
                case .refused(.reuseDetected): response.refused = .reuseDetected
                }
                return response
            }
        }
        router.register(MethodCatalog.sessionsRevoke, request: Tessera_V1_RevokeSessionRequest.self) { request, _ in
            try await AuthCallError.run {
                var response = Tessera_V1_RevokeSessionResponse()
                response.revoked = try await flows.revokeSession(
                    try AuthWire.uuid(request.sessionID, field: "session_id"), of: try AuthWire.uuid(request.userID)
                )
                return response
            }
        }
        router.register(MethodCatalog.sessionsRevokeAll, request: Tessera_V1_RevokeAllSessionsRequest.self) {
            request, _ in
            try await AuthCallError.run {
                var response = Tessera_V1_RevokeAllSessionsResponse()
                response.revokedSessions = Int32(
                    clamping: try await flows.revokeAllSessions(of: try AuthWire.uuid(request.userID))
                )
                return response
            }
        }
        router.register(MethodCatalog.sessionsList, request: Tessera_V1_ListSessionsRequest.self) { request, _ in
            try await AuthCallError.run {
                var response = Tessera_V1_ListSessionsResponse()
                response.sessions = try await flows.sessions(of: try AuthWire.uuid(request.userID)).map { session in
                    var wire = Tessera_V1_SessionInfo()
                    wire.sessionID = session.sessionID.uuidString.lowercased()
                    wire.deviceInfo = session.deviceInfo
                    wire.assurance = AuthWire.assurance(session.assurance)
                    wire.createdAtUnix = AuthWire.unix(session.createdAt)
                    wire.lastUsedUnix = AuthWire.unix(session.lastUsed)
                    wire.expiresAtUnix = AuthWire.unix(session.expiresAt)
                    wire.sessionExpiresAtUnix = AuthWire.unix(session.sessionExpiresAt)
                    return wire
                }
                return response
            }
        }
    }
}
