import Foundation
import TesseraAuth
import TesseraServer
import TesseraStore
import TesseraWire

/// Conversions between the wire's messages and the domain's values.
enum AuthWire {
    /// A user id field: a UUID, or INVALID_ARGUMENT naming the field.
    static func uuid(_ text: String, field: String = "user_id") throws -> UUID {
        guard let id = UUID(uuidString: text) else {
            throw CallError(.invalidArgument, "\(field) is not a UUID")
        }
        return id
    }

    static func unix(_ date: Date?) -> Int64 {
        date.map { Int64($0.timeIntervalSince1970.rounded(.down)) } ?? 0
    }

    static func session(_ session: IssuedSession) -> Tessera_V1_Session {
        var wire = Tessera_V1_Session()
        wire.refreshToken = session.refreshToken.reveal()
        wire.sessionID = session.sessionID.uuidString.lowercased()
        wire.userID = session.userID.uuidString.lowercased()
        wire.role = session.role.rawValue
        wire.assurance = assurance(session.assurance)
        wire.expiresAtUnix = unix(session.expiresAt)
        wire.sessionExpiresAtUnix = unix(session.sessionExpiresAt)
        return wire
    }

    static func assurance(_ level: AssuranceLevel) -> Tessera_V1_AssuranceLevel {
        switch level {
        case .aal1: .aal1
        case .aal2: .aal2
        }
    }

    static func refusal(_ refusal: PasswordRefusal?) -> Tessera_V1_PasswordRefusal {
        switch refusal {
        case .none: .unspecified
        case .tooShort: .tooShort
        case .tooLong: .tooLong
        case .common: .common
        case .breached: .breached
        case .contextual: .contextual
        }
    }

    static func user(_ user: UserSummary) -> Tessera_V1_User {
        var wire = Tessera_V1_User()
        wire.userID = user.id.uuidString.lowercased()
        wire.email = user.email
        wire.role = user.role.rawValue
        wire.emailVerified = user.verified
        wire.mfaEnabled = user.mfaEnabled
        wire.createdAtUnix = unix(user.createdAt)
        wire.lastLoginUnix = unix(user.lastLogin)
        wire.lockedUntilUnix = unix(user.lockedUntil)
        wire.disabled = user.disabledAt != nil
        wire.failedLoginAttempts = Int32(clamping: user.failedLoginAttempts)
        return wire
    }

    static func invitation(_ invitation: InvitationSummary) -> Tessera_V1_Invitation {
        var wire = Tessera_V1_Invitation()
        wire.id = invitation.id.uuidString.lowercased()
        wire.role = invitation.role.rawValue
        wire.maxUses = Int32(clamping: invitation.maxUses)
        wire.uses = Int32(clamping: invitation.uses)
        wire.remaining = Int32(clamping: invitation.remaining)
        wire.expiresAtUnix = unix(invitation.expiresAt)
        wire.createdBy = invitation.createdBy?.uuidString.lowercased() ?? ""
        wire.createdAtUnix = unix(invitation.createdAt)
        wire.revokedAtUnix = unix(invitation.revokedAt)
        wire.email = invitation.email ?? ""
        wire.state =
            switch invitation.state {
            case .active: .active
            case .expired: .expired
            case .revoked: .revoked
            case .exhausted: .exhausted
            }
        return wire
    }

    static func invitationRefusal(_ refusal: InvitationRefusal) -> Tessera_V1_InvitationRefusal {
        switch refusal {
        case .unknown: .unknown
        case .expired: .expired
        case .exhausted: .exhausted
        case .revoked: .revoked
        case .wrongEmail: .wrongEmail
        }
    }

    static func resetRefusal(_ refusal: ResetRefusal) -> Tessera_V1_ResetRefusal {
        switch refusal {
        case .unknown: .unknown
        case .expired: .expired
        case .used: .used
        case .superseded: .superseded
        case .invalidCode: .invalidCode
        }
    }

    static func verificationRefusal(_ refusal: EmailVerificationRefusal) -> Tessera_V1_EmailVerificationRefusal {
        switch refusal {
        case .unknown: .unknown
        case .expired: .expired
        case .used: .used
        case .emailChanged: .emailChanged
        }
    }

    /// An optional UUID field: empty is nil.
    static func optionalUUID(_ text: String, field: String) throws -> UUID? {
        text.isEmpty ? nil : try uuid(text, field: field)
    }
}
