import TesseraAuth
import TesseraServer

/// The stateful services (`Accounts`, `Mfa`, `Sessions`, `Invitations`, `PasswordResets`, `EmailVerification`)
/// over one ``AuthFlows``.
///
/// A module of its own, between the domain (`TesseraAuth`) and the transport (`TesseraServer`): the transport stays
/// free of the store and the flows, and the flows of frames and protobuf.
public struct AuthServices: Sendable {
    let flows: AuthFlows
    let hashingQueueFull: CallRouter.Refusal?

    /// Creates the services.
    /// - Parameters:
    ///   - flows: The login flows.
    ///   - hashingQueueFull: The hasher's admission check (see `PasswordsService.queueIsFull`), for the methods that hash.
    public init(flows: AuthFlows, hashingQueueFull: CallRouter.Refusal? = nil) {
        self.flows = flows
        self.hashingQueueFull = hashingQueueFull
    }

    /// Adds every method of the services to `router`.
    public func register(into router: inout CallRouter) {
        AccountsService(flows: flows, hashingQueueFull: hashingQueueFull).register(into: &router)
        MfaService(flows: flows).register(into: &router)
        SessionsService(flows: flows).register(into: &router)
        InvitationsService(flows: flows).register(into: &router)
        PasswordResetsService(flows: flows, hashingQueueFull: hashingQueueFull).register(into: &router)
    }
}
