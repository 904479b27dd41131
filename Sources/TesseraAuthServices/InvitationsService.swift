import Foundation
import TesseraAuth
import TesseraServer
import TesseraStore
import TesseraWire

/// `tessera.v1.Invitations`: a thin adapter over ``AuthFlows``' invitations.
public struct InvitationsService: Sendable {
    let flows: AuthFlows

    /// Creates the service.
    /// - Parameter flows: The flows.
    public init(flows: AuthFlows) {
        self.flows = flows
    }

    /// Registers the four methods.
    public func register(into router: inout CallRouter) {
        let flows = self.flows
        router.register(MethodCatalog.invitationsCreate, request: Tessera_V1_CreateInvitationRequest.self) {
            request, _ in
            try await AuthCallError.run {
                let role: UserRole
                if request.role.isEmpty {
                    role = .user
                } else {
                    guard let named = UserRole(rawValue: request.role) else {
                        throw CallError(.invalidArgument, "role must be admin, user or viewer")
                    }
                    role = named
                }
                guard request.ttlSeconds >= 0 else { throw CallError(.invalidArgument, "ttl_seconds is negative") }
                let created = try await flows.createInvitation(
                    role: role, maxUses: request.maxUses == 0 ? 1 : Int(request.maxUses),
                    lifetime: request.ttlSeconds == 0 ? nil : .seconds(request.ttlSeconds),
                    createdBy: try AuthWire.optionalUUID(request.createdBy, field: "created_by"),
                    email: request.email.isEmpty ? nil : request.email
                )
                var response = Tessera_V1_CreateInvitationResponse()
                response.code = created.code.reveal()
                response.invitation = AuthWire.invitation(created.invitation)
                return response
            }
        }
        router.register(MethodCatalog.invitationsGet, request: Tessera_V1_GetInvitationRequest.self) { request, _ in
            try await AuthCallError.run {
                var response = Tessera_V1_GetInvitationResponse()
                response.invitation = AuthWire.invitation(
                    try await flows.invitation(id: try AuthWire.uuid(request.id, field: "id")))
                return response
            }
        }
        router.register(MethodCatalog.invitationsList, request: Tessera_V1_ListInvitationsRequest.self) { request, _ in
            try await AuthCallError.run {
                var response = Tessera_V1_ListInvitationsResponse()
                response.invitations = try await flows.invitations(
                    after: try AuthWire.optionalUUID(request.after, field: "after"),
                    limit: request.limit == 0 ? 100 : Int(request.limit)
                ).map(AuthWire.invitation)
                return response
            }
        }
        router.register(MethodCatalog.invitationsRevoke, request: Tessera_V1_RevokeInvitationRequest.self) {
            request, _ in
            try await AuthCallError.run {
                var response = Tessera_V1_RevokeInvitationResponse()
                response.revoked = try await flows.revokeInvitation(
                    id: try AuthWire.uuid(request.id, field: "id"),
                    actor: try AuthWire.optionalUUID(request.actorID, field: "actor_id"))
                return response
            }
        }
    }
}
