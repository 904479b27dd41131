import Foundation
import TesseraAudit
import TesseraCrypto
import TesseraStore

/// What `register` did.
public enum RegistrationOutcome: Sendable {
    /// The account exists; its id.
    case registered(userID: UUID)
    /// The password breaks a rule; nothing was written.
    case passwordRefused(PasswordRefusal)
    /// The invitation code was not redeemed; no account was created and no use taken.
    case invitationRefused(InvitationRefusal)
}

/// What `authenticate` decided. Unknown email, wrong password, locked and disabled accounts are all
/// `invalidCredentials`, in the same time; the audit entry records the true reason.
public enum AuthenticationOutcome: Sendable {
    /// Signed in.
    case session(IssuedSession)
    /// The password was right and a second factor is due: pass the challenge to `completeMfa`.
    case mfaRequired(challenge: OpaqueToken, expiresAt: Date)
    /// Refused.
    case invalidCredentials
    /// The password was right but the policy requires a verified email address and this one is not: verify it
    /// (EmailVerification) and sign in again. Only answered after a correct password.
    case emailNotVerified
}

/// What `changePassword` did.
public enum PasswordChangeOutcome: Sendable, Hashable {
    /// Changed; the user's other sessions were revoked (how many).
    case changed(revokedSessions: Int)
    /// The current password was wrong (or the account locked or disabled); counted towards the lockout.
    case invalidCredentials
    /// The new password breaks a rule; nothing was written.
    case passwordRefused(PasswordRefusal)
}

/// An account as a login service may see it: no hash, no secret.
public struct UserSummary: Sendable, Hashable {
    /// The id.
    public let id: UUID
    /// The normalised email address.
    public let email: String
    /// The role.
    public let role: UserRole
    /// Whether the email address is verified.
    public let verified: Bool
    /// Whether TOTP is enrolled.
    public let mfaEnabled: Bool
    /// When the account was created.
    public let createdAt: Date
    /// The last successful sign-in.
    public let lastLogin: Date?
    /// Until when sign-in is refused (`distantFuture`: permanently), if it is.
    public let lockedUntil: Date?
    /// When the account was disabled, if it was.
    public let disabledAt: Date?
    /// Consecutive failed sign-ins.
    public let failedLoginAttempts: Int

    init(_ user: UserRecord, now: Date) {
        self.id = user.id
        self.email = user.email
        self.role = user.role
        self.verified = user.verified
        self.mfaEnabled = user.sealedTOTPSecret != nil
        self.createdAt = user.createdAt
        self.lastLogin = user.lastLogin
        self.lockedUntil = user.isLocked(at: now) ? user.lockedUntil : nil
        self.disabledAt = user.disabledAt
        self.failedLoginAttempts = user.failedLoginAttempts
    }
}

extension AuthFlows {
    // MARK: Register

    /// Creates an account with a password, optionally by invitation.
    ///
    /// With an invitation code, taking one use and creating the user are one transaction: a registration that
    /// fails (a taken address, a refused password) takes no use, and the user gets the invitation's role.
    /// - Parameters:
    ///   - email: The address (normalised to lower case).
    ///   - password: The password, checked against ``PasswordRules``.
    ///   - invitationCode: An invitation code (`tsi_…`), or empty; required when the policy says so.
    ///   - role: The new account's role without an invitation (default `user`).
    /// - Throws: ``AuthError/Code/invalidArgument`` (malformed email, an over-long password, a malformed code),
    ///   ``AuthError/Code/alreadyExists`` (the email is taken), ``AuthError/Code/failedPrecondition`` (no code
    ///   where one is required).
    public func register(
        email rawEmail: String,
        password: String,
        invitationCode: String = "",
        role: UserRole = .user
    ) async throws -> RegistrationOutcome {
        let email = try AuthInput.email(rawEmail)
        try AuthInput.password(password, maxBytes: Int.max)
        let code =
            try invitationCode.isEmpty ? nil : AuthInput.token(invitationCode, .invitation, field: "invitation code")
        if code == nil, policy.invitations.requiredForRegistration {
            throw AuthError(.failedPrecondition, "registration needs an invitation code")
        }
        if let refusal = try policy.passwords.refusal(for: password, email: email, maxBytes: maxPasswordBytes) {
            return .passwordRefused(refusal)
        }
        let hash = try await hasher.hash(password)
        let now = clock.now
        do {
            return try await store.transaction { tx in
                var invitation: InvitationRecord? = nil
                if let code {
                    let (redeemed, refusal) = try await redeem(code, for: email, at: now, in: tx)
                    if let refusal { return .invitationRefused(refusal) }
                    invitation = redeemed
                }
                let user = UserRecord(email: email, passwordHash: hash, role: invitation?.role ?? role, createdAt: now)
                try await tx.createUser(user)
                try await record("user.registered", entity: "user", actor: user.id, at: now, in: tx) {
                    $0.set(AuditName("user_id"), id: user.id)
                    $0.set(AuditName("role"), identifier: try AuditName(validating: user.role.rawValue))
                    if let invitation { $0.set(AuditName("invitation_id"), id: invitation.id) }
                }
                return .registered(userID: user.id)
            }
        } catch let error as StoreError where error.code == .duplicateEmail {
            throw AuthError(.alreadyExists, "the email address is already registered")
        }
    }

    // MARK: Authenticate

    /// Checks an email and password; signs in, or asks for the second factor.
    /// - Parameters:
    ///   - email: The address.
    ///   - password: The password.
    ///   - deviceInfo: A description of the end user's client, kept with the session.
    ///   - clientAddress: The end user's IP address (the per-address limit).
    /// - Throws: ``AuthError/Code/invalidArgument`` for malformed input, ``AuthError/Code/resourceExhausted``
    ///   when the address is over its limit on this replica.
    public func authenticate(
        email rawEmail: String,
        password: String,
        deviceInfo: [String: String] = [:],
        clientAddress: String = ""
    ) async throws -> AuthenticationOutcome {
        let email = try AuthInput.email(rawEmail)
        try AuthInput.password(password, maxBytes: maxPasswordBytes)
        let device = try AuthInput.deviceInfo(deviceInfo)
        guard limiter.admit(clientAddress, at: clock.now) else {
            throw AuthError(.resourceExhausted, "too many sign-in attempts from this address; retry later")
        }
        let found = try await store.user(email: email)
        // Always one real verification, against the dummy hash when there is no such user.
        let verification = try await hasher.verify(password, against: found?.passwordHash ?? dummyHash)
        let now = clock.now
        guard let user = found else {
            try await refuseSignIn(nil, reason: "unknown_email", at: now)
            return .invalidCredentials
        }
        if user.disabledAt != nil || user.isLocked(at: now) {
            try await refuseSignIn(user.id, reason: user.disabledAt != nil ? "disabled" : "locked", at: now)
            return .invalidCredentials
        }
        guard verification.isValid else {
            _ = try await recordFailure(userID: user.id, reason: "wrong_password", at: now)
            return .invalidCredentials
        }
        if policy.emailVerification.requiredForSignIn, !user.verified {
            try await refuseSignIn(user.id, reason: "email_not_verified", at: now)
            return .emailNotVerified
        }
        var fresh: String? = nil
        if verification.needsRehash {
            // A full queue leaves the old hash in place; the next sign-in tries again.
            fresh = try? await hasher.hash(password)
        }
        let rehash = fresh
        return try await store.transaction { tx in
            guard var row = try await tx.userForUpdate(id: user.id),
                row.disabledAt == nil, !row.isLocked(at: now), row.passwordHash == user.passwordHash
            else {
                // Disabled, locked or re-passworded since the read: the newer state wins.
                try await record("auth.refused", entity: "user", actor: user.id, at: now, in: tx) {
                    $0.set(AuditName("reason"), identifier: AuditName("changed_concurrently"))
                }
                return .invalidCredentials
            }
            if let rehash { row.passwordHash = rehash }
            if row.sealedTOTPSecret != nil {
                if rehash != nil {
                    row.updatedAt = now
                    try await tx.updateUser(row)
                }
                let challenge = OpaqueToken.generate(.mfaChallenge)
                let expires = now.addingTimeInterval(DurationSeconds.of(policy.mfa.challengeLifetime))
                let stored = MFAChallengeRecord(
                    userID: row.id, challengeHash: challenge.digest.rawBytes, deviceInfo: device, createdAt: now,
                    expiresAt: expires
                )
                try await tx.createMFAChallenge(stored)
                try await record("auth.mfa-required", entity: "user", actor: row.id, at: now, in: tx) {
                    $0.set(AuditName("challenge_id"), id: stored.id)
                    $0.set(AuditName("rehashed"), flag: rehash != nil)
                }
                return .mfaRequired(challenge: challenge, expiresAt: expires)
            }
            row = policy.lockout.afterSuccess(row, at: now)
            try await tx.updateUser(row)
            let session = try await issueSession(for: row, device: device, assurance: .aal1, at: now, in: tx)
            try await record("auth.succeeded", entity: "user", actor: row.id, at: now, in: tx) {
                $0.set(AuditName("session_id"), id: session.sessionID)
                $0.set(AuditName("assurance"), identifier: try AuditName(validating: session.assurance.rawValue))
                $0.set(AuditName("rehashed"), flag: rehash != nil)
            }
            return .session(session)
        }
    }

    /// Records a refused sign-in that changes nothing (unknown, disabled, locked).
    func refuseSignIn(_ userID: UUID?, reason: StaticString, at now: Date) async throws {
        try await store.transaction { tx in
            try await record("auth.refused", entity: "user", actor: userID, at: now, in: tx) {
                $0.set(AuditName("reason"), identifier: AuditName(reason))
            }
        }
    }

    /// Counts a failed attempt under the row lock and records it (with the lock it started, if any).
    /// - Returns: The lock the failure started.
    @discardableResult
    func recordFailure(userID: UUID, reason: StaticString, at now: Date) async throws -> LockoutState? {
        try await store.transaction { tx in
            guard let row = try await tx.userForUpdate(id: userID) else { return nil }
            let (next, locked) = policy.lockout.afterFailure(row, at: now)
            try await tx.updateUser(next)
            try await recordFailure(next, reason: reason, locked: locked, at: now, in: tx)
            return locked
        }
    }

    /// The audit entry of a counted failure.
    func recordFailure(
        _ user: UserRecord,
        reason: StaticString,
        locked: LockoutState?,
        at now: Date,
        in tx: any TesseraStore
    ) async throws {
        try await record("auth.failed", entity: "user", actor: user.id, at: now, in: tx) {
            $0.set(AuditName("reason"), identifier: AuditName(reason))
            $0.set(AuditName("failures"), count: Int64(user.failedLoginAttempts))
            switch locked {
            case .none: break
            case .until: $0.set(AuditName("locked"), identifier: AuditName("temporarily"))
            case .permanent: $0.set(AuditName("locked"), identifier: AuditName("permanently"))
            }
        }
    }

    // MARK: Change password

    /// Changes a user's password after checking the current one; revokes the user's other sessions.
    /// - Parameters:
    ///   - userID: The user.
    ///   - current: The current password.
    ///   - new: The new password.
    ///   - keepSession: The session making the change (kept), if any.
    /// - Throws: ``AuthError/Code/notFound``, ``AuthError/Code/invalidArgument``.
    public func changePassword(
        userID: UUID,
        current: String,
        new: String,
        keepSession: UUID? = nil
    ) async throws -> PasswordChangeOutcome {
        try AuthInput.password(current, maxBytes: maxPasswordBytes, field: "current password")
        try AuthInput.password(new, maxBytes: Int.max, field: "new password")
        guard let user = try await store.user(id: userID) else { throw AuthError(.notFound, "no such user") }
        let verification = try await hasher.verify(current, against: user.passwordHash)
        let now = clock.now
        if user.disabledAt != nil || user.isLocked(at: now) {
            try await refuseSignIn(user.id, reason: user.disabledAt != nil ? "disabled" : "locked", at: now)
            return .invalidCredentials
        }
        guard verification.isValid else {
            try await recordFailure(userID: user.id, reason: "wrong_current_password", at: now)
            return .invalidCredentials
        }
        if let refusal = try policy.passwords.refusal(for: new, email: user.email, maxBytes: maxPasswordBytes) {
            return .passwordRefused(refusal)
        }
        let hash = try await hasher.hash(new)
        return try await store.transaction { tx in
            guard var row = try await tx.userForUpdate(id: userID), row.passwordHash == user.passwordHash else {
                return .invalidCredentials
            }
            row.passwordHash = hash
            row = policy.lockout.cleared(row, at: now)
            try await tx.updateUser(row)
            let revoked = try await revokeSessions(of: userID, except: keepSession, at: now, in: tx)
            try await record("user.password-changed", entity: "user", actor: userID, at: now, in: tx) {
                $0.set(AuditName("revoked_sessions"), count: Int64(revoked))
            }
            return .changed(revokedSessions: revoked)
        }
    }

    // MARK: Read and administer

    /// The account with this id, without secret material.
    /// - Throws: ``AuthError/Code/notFound``.
    public func user(id: UUID) async throws -> UserSummary {
        guard let user = try await store.user(id: id) else { throw AuthError(.notFound, "no such user") }
        return UserSummary(user, now: clock.now)
    }

    /// The account with this email address, without secret material.
    /// - Throws: ``AuthError/Code/notFound``, ``AuthError/Code/invalidArgument``.
    public func user(email: String) async throws -> UserSummary {
        guard let user = try await store.user(email: try AuthInput.email(email)) else {
            throw AuthError(.notFound, "no such user")
        }
        return UserSummary(user, now: clock.now)
    }

    /// Clears a lockout (an administrator's action).
    /// - Parameters:
    ///   - userID: The user.
    ///   - actor: Who unlocks (recorded), if a user.
    /// - Throws: ``AuthError/Code/notFound``.
    public func unlock(userID: UUID, actor: UUID? = nil) async throws {
        let now = clock.now
        try await store.transaction { tx in
            guard let row = try await tx.userForUpdate(id: userID) else {
                throw AuthError(.notFound, "no such user")
            }
            try await tx.updateUser(policy.lockout.cleared(row, at: now))
            try await record("user.unlocked", entity: "user", actor: actor, at: now, in: tx) {
                $0.set(AuditName("user_id"), id: userID)
            }
        }
    }

    /// Disables an account and revokes its sessions: it then signs in like an unknown one. Or enables it again.
    /// - Parameters:
    ///   - userID: The user.
    ///   - disabled: true to disable, false to enable.
    ///   - actor: Who does it (recorded), if a user.
    /// - Returns: How many sessions were revoked.
    /// - Throws: ``AuthError/Code/notFound``.
    @discardableResult
    public func setDisabled(userID: UUID, _ disabled: Bool, actor: UUID? = nil) async throws -> Int {
        let now = clock.now
        return try await store.transaction { tx in
            guard var row = try await tx.userForUpdate(id: userID) else {
                throw AuthError(.notFound, "no such user")
            }
            row.disabledAt = disabled ? (row.disabledAt ?? now) : nil
            row.updatedAt = now
            try await tx.updateUser(row)
            let revoked = disabled ? try await tx.revokeSessions(userID: userID, now: now) : 0
            try await record(disabled ? "user.disabled" : "user.enabled", entity: "user", actor: actor, at: now, in: tx)
            {
                $0.set(AuditName("user_id"), id: userID)
                $0.set(AuditName("revoked_sessions"), count: Int64(revoked))
            }
            return revoked
        }
    }
}
