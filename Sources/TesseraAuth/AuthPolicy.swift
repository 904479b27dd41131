/// Every setting of the login flows, with defaults a deployment can start from.
public struct AuthPolicy: Sendable {
    /// Brute-force protection.
    public var lockout: LockoutPolicy
    /// Session lifetimes.
    public var sessions: SessionPolicy
    /// Second factors.
    public var mfa: MFAPolicy
    /// What a new password must satisfy.
    public var passwords: PasswordRules
    /// Invitations.
    public var invitations: InvitationPolicy
    /// Password resets.
    public var resets: PasswordResetPolicy
    /// Email verification.
    public var emailVerification: EmailVerificationPolicy
    /// `Authenticate` calls per client address per minute on one replica (0: no limit). Default 30.
    public var authenticationsPerAddressPerMinute: Int

    /// Creates a policy.
    public init(
        lockout: LockoutPolicy = LockoutPolicy(),
        sessions: SessionPolicy = SessionPolicy(),
        mfa: MFAPolicy = MFAPolicy(),
        passwords: PasswordRules = PasswordRules(),
        invitations: InvitationPolicy = InvitationPolicy(),
        resets: PasswordResetPolicy = PasswordResetPolicy(),
        emailVerification: EmailVerificationPolicy = EmailVerificationPolicy(),
        authenticationsPerAddressPerMinute: Int = 30
    ) {
        self.invitations = invitations
        self.resets = resets
        self.emailVerification = emailVerification
        self.lockout = lockout
        self.sessions = sessions
        self.mfa = mfa
        self.passwords = passwords
        self.authenticationsPerAddressPerMinute = authenticationsPerAddressPerMinute
    }

    /// Refuses settings outside their ranges.
    public func validate() throws {
        try lockout.validate()
        try sessions.validate()
        try mfa.validate()
        try passwords.validate()
        try invitations.validate()
        try resets.validate()
        try emailVerification.validate()
        guard authenticationsPerAddressPerMinute >= 0 else {
            throw AuthError(.invalidArgument, "authentications per address per minute must not be negative")
        }
    }
}
