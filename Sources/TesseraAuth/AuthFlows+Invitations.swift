import Foundation
import TesseraAudit
import TesseraCrypto
import TesseraStore

/// An invitation as an operator or a login service may see it: never the code or its hash.
public struct InvitationSummary: Sendable, Hashable {
    /// Where an invitation stands.
    public enum State: String, Sendable, Hashable {
        /// Redeemable.
        case active
        /// Past its expiry.
        case expired
        /// Revoked.
        case revoked
        /// Every use taken.
        case exhausted
    }

    /// The id.
    public let id: UUID
    /// The role it grants.
    public let role: UserRole
    /// Uses allowed.
    public let maxUses: Int
    /// Uses taken.
    public let uses: Int
    /// When it stops being redeemable.
    public let expiresAt: Date
    /// Who created it, if a user.
    public let createdBy: UUID?
    /// When it was created.
    public let createdAt: Date
    /// When it was revoked, if it was.
    public let revokedAt: Date?
    /// The address it is bound to, if any.
    public let email: String?
    /// Its state at the time of the call.
    public let state: State

    /// Uses left.
    public var remaining: Int { max(0, maxUses - uses) }

    init(_ record: InvitationRecord, now: Date) {
        self.id = record.id
        self.role = record.role
        self.maxUses = record.maxUses
        self.uses = record.uses
        self.expiresAt = record.expiresAt
        self.createdBy = record.createdBy
        self.createdAt = record.createdAt
        self.revokedAt = record.revokedAt
        self.email = record.email
        self.state =
            if record.revokedAt != nil { .revoked } else if record.expiresAt <= now {
                .expired
            } else if record.uses >= record.maxUses { .exhausted } else { .active }
    }
}

/// A new invitation: the code, shown once, and what it grants.
public struct CreatedInvitation: Sendable, CustomStringConvertible {
    /// The code (`tsi_…`) to give the invitee. Stored only as its SHA-256.
    public let code: OpaqueToken
    /// The invitation.
    public let invitation: InvitationSummary

    /// Redacted.
    public var description: String { "CreatedInvitation(\(invitation.id))" }
}

/// Why `register` did not redeem an invitation code. None says which user or address the invitation was for.
public enum InvitationRefusal: String, Sendable, Hashable {
    /// No invitation has this code.
    case unknown
    /// It has expired.
    case expired
    /// Every use has been taken.
    case exhausted
    /// It was revoked.
    case revoked
    /// It is bound to another email address.
    case wrongEmail = "wrong_email"
}

extension AuthFlows {
    /// Creates an invitation.
    /// - Parameters:
    ///   - role: The role of the users who register with it.
    ///   - maxUses: How many registrations it allows (1 to the policy's maximum).
    ///   - lifetime: Its time to live (nil: the policy's default; at most the policy's maximum).
    ///   - createdBy: The creating user, if one (recorded, and kept as `created_by`).
    ///   - email: The address it is bound to, if any (normalised like a registration's).
    /// - Throws: ``AuthError/Code/invalidArgument`` (a bound out of range, a malformed email),
    ///   ``AuthError/Code/notFound`` (an unknown creator).
    public func createInvitation(
        role: UserRole = .user,
        maxUses: Int = 1,
        lifetime: Duration? = nil,
        createdBy: UUID? = nil,
        email rawEmail: String? = nil
    ) async throws -> CreatedInvitation {
        let limits = policy.invitations
        guard (1...limits.maxUses).contains(maxUses) else {
            throw AuthError(.invalidArgument, "max uses must be 1-\(limits.maxUses)")
        }
        let lifetime = lifetime ?? limits.defaultLifetime
        guard lifetime >= .seconds(60), lifetime <= limits.maxLifetime else {
            throw AuthError(
                .invalidArgument,
                "the time to live must be 60 s to \(Int(DurationSeconds.of(limits.maxLifetime))) s")
        }
        let email = try rawEmail.map(AuthInput.email)
        let code = OpaqueToken.generate(.invitation)
        let now = clock.now
        let stored = InvitationRecord(
            codeHash: code.digest.rawBytes, role: role, maxUses: maxUses,
            expiresAt: now.addingTimeInterval(DurationSeconds.of(lifetime)), createdBy: createdBy, createdAt: now,
            email: email
        )
        do {
            try await store.transaction { tx in
                try await tx.createInvitation(stored)
                try await record("invitation.created", entity: "invitation", actor: createdBy, at: now, in: tx) {
                    $0.set(AuditName("invitation_id"), id: stored.id)
                    $0.set(AuditName("role"), identifier: try AuditName(validating: role.rawValue))
                    $0.set(AuditName("max_uses"), count: Int64(maxUses))
                    $0.set(AuditName("email_bound"), flag: email != nil)
                }
            }
        } catch let error as StoreError where error.code == .foreignKey {
            throw AuthError(.notFound, "the creating user does not exist")
        }
        return CreatedInvitation(code: code, invitation: InvitationSummary(stored, now: now))
    }

    /// An invitation by id.
    /// - Throws: ``AuthError/Code/notFound``.
    public func invitation(id: UUID) async throws -> InvitationSummary {
        guard let record = try await store.invitation(id: id) else {
            throw AuthError(.notFound, "no such invitation")
        }
        return InvitationSummary(record, now: clock.now)
    }

    /// A page of invitations, by id (pass the last id of a page as `after` for the next).
    /// - Throws: ``AuthError/Code/invalidArgument`` for a limit outside 1-1000.
    public func invitations(after: UUID? = nil, limit: Int = 100) async throws -> [InvitationSummary] {
        guard (1...1000).contains(limit) else { throw AuthError(.invalidArgument, "the page size must be 1-1000") }
        let now = clock.now
        return try await store.invitations(after: after, limit: limit).map { InvitationSummary($0, now: now) }
    }

    /// Revokes an invitation: it redeems no more.
    /// - Parameters:
    ///   - id: The invitation.
    ///   - actor: Who revokes, if a user (recorded).
    /// - Returns: false when it was already revoked.
    /// - Throws: ``AuthError/Code/notFound``.
    @discardableResult
    public func revokeInvitation(id: UUID, actor: UUID? = nil) async throws -> Bool {
        let now = clock.now
        return try await store.transaction { tx in
            guard try await tx.revokeInvitation(id: id, now: now) else {
                guard try await tx.invitation(id: id) != nil else { throw AuthError(.notFound, "no such invitation") }
                return false
            }
            try await record("invitation.revoked", entity: "invitation", actor: actor, at: now, in: tx) {
                $0.set(AuditName("invitation_id"), id: id)
            }
            return true
        }
    }

    /// Takes one use of an invitation inside a registration's transaction, or says why not (recording the
    /// refusal). A code bound to another address is refused before any use is taken.
    /// - Returns: The redeemed invitation, or nil and the refusal.
    func redeem(
        _ code: OpaqueToken,
        for email: String,
        at now: Date,
        in tx: any TesseraStore
    ) async throws -> (InvitationRecord?, InvitationRefusal?) {
        let hash = code.digest.rawBytes
        let refusal: InvitationRefusal
        if let bound = try await tx.invitation(codeHash: hash)?.email, bound != email {
            refusal = .wrongEmail
        } else {
            switch try await tx.redeemInvitation(codeHash: hash, now: now) {
            case .redeemed(let invitation): return (invitation, nil)
            case .exhausted: refusal = .exhausted
            case .expired: refusal = .expired
            case .revoked: refusal = .revoked
            case .notFound: refusal = .unknown
            }
        }
        try await record("user.registration-refused", entity: "user", actor: nil, at: now, in: tx) {
            $0.set(AuditName("reason"), identifier: try AuditName(validating: refusal.rawValue))
        }
        return (nil, refusal)
    }
}
