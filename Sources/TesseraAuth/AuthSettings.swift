import Foundation

/// The login flows' settings as an operator writes them: a JSON file (`tessera serve --auth-config FILE`), every
/// key optional, each missing one at its default (see docs/auth-flows.md for the defaults and their meaning).
///
/// Keys: `lockout_max_failures`, `lockout_wait_increment_seconds`, `lockout_max_wait_seconds`,
/// `lockout_failure_reset_seconds`, `lockout_permanent_after`, `session_idle_timeout_seconds`,
/// `session_absolute_lifetime_seconds`, `session_grace_window_seconds`, `mfa_challenge_lifetime_seconds`,
/// `mfa_max_challenge_attempts`, `mfa_issuer`, `password_minimum_length`, `password_context_words`,
/// `authentications_per_address_per_minute`, `invitation_required`, `invitation_default_lifetime_seconds`,
/// `invitation_max_lifetime_seconds`, `invitation_max_uses`, `reset_link_lifetime_seconds`,
/// `reset_code_lifetime_seconds`, `reset_requests_per_account_per_hour`, `reset_requests_per_address_per_minute`,
/// `reset_max_code_attempts`, `email_verification_lifetime_seconds`, `email_verification_required`. An unknown key is refused, so a typo is not silently ignored.
public struct AuthSettings: Codable, Sendable, Hashable {
    /// Consecutive failures that lock (1-100; default 10).
    public var lockoutMaxFailures: Int?
    /// The first temporary lock's length (default 60).
    public var lockoutWaitIncrementSeconds: Int?
    /// The longest temporary lock (default 900).
    public var lockoutMaxWaitSeconds: Int?
    /// A failure this long after the previous one counts as the first (default 43200).
    public var lockoutFailureResetSeconds: Int?
    /// Temporary lockouts before a permanent one (0 or absent: never).
    public var lockoutPermanentAfter: Int?
    /// A refresh token unused this long expires (default 14 days).
    public var sessionIdleTimeoutSeconds: Int?
    /// A session ends this long after sign-in (default 30 days).
    public var sessionAbsoluteLifetimeSeconds: Int?
    /// The concurrent-refresh window (0-60; default 10).
    public var sessionGraceWindowSeconds: Int?
    /// How long an MFA challenge lives (30-3600; default 300).
    public var mfaChallengeLifetimeSeconds: Int?
    /// Wrong codes a challenge accepts (1-10; default 5).
    public var mfaMaxChallengeAttempts: Int?
    /// The issuer shown in authenticator apps (default Tessera).
    public var mfaIssuer: String?
    /// The fewest characters of a new password (8-64; default 8).
    public var passwordMinimumLength: Int?
    /// Words no password may be built from (default ["tessera"]).
    public var passwordContextWords: [String]?
    /// Authenticate calls per client IP per minute per replica (0: none; default 30).
    public var authenticationsPerAddressPerMinute: Int?
    /// Whether registration needs an invitation (default false).
    public var invitationRequired: Bool?
    /// An invitation's time to live when its creator gives none (default 7 days).
    public var invitationDefaultLifetimeSeconds: Int?
    /// The longest time to live of an invitation (default 90 days).
    public var invitationMaxLifetimeSeconds: Int?
    /// The most uses of one invitation (default 10000).
    public var invitationMaxUses: Int?
    /// A reset link's lifetime (60-86400; default 3600).
    public var resetLinkLifetimeSeconds: Int?
    /// A reset code's lifetime (60-3600; default 900).
    public var resetCodeLifetimeSeconds: Int?
    /// Reset requests per email address per hour (1-100; default 5).
    public var resetRequestsPerAccountPerHour: Int?
    /// Reset requests per client IP per minute per replica (0: none; default 10).
    public var resetRequestsPerAddressPerMinute: Int?
    /// Wrong codes a reset code accepts (1-10; default 5).
    public var resetMaxCodeAttempts: Int?
    /// An email verification token's lifetime (300-2592000; default 86400).
    public var emailVerificationLifetimeSeconds: Int?
    /// Whether sign-in needs a verified email address (default false).
    public var emailVerificationRequired: Bool?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case lockoutMaxFailures = "lockout_max_failures"
        case lockoutWaitIncrementSeconds = "lockout_wait_increment_seconds"
        case lockoutMaxWaitSeconds = "lockout_max_wait_seconds"
        case lockoutFailureResetSeconds = "lockout_failure_reset_seconds"
        case lockoutPermanentAfter = "lockout_permanent_after"
        case sessionIdleTimeoutSeconds = "session_idle_timeout_seconds"
        case sessionAbsoluteLifetimeSeconds = "session_absolute_lifetime_seconds"
        case sessionGraceWindowSeconds = "session_grace_window_seconds"
        case mfaChallengeLifetimeSeconds = "mfa_challenge_lifetime_seconds"
        case mfaMaxChallengeAttempts = "mfa_max_challenge_attempts"
        case mfaIssuer = "mfa_issuer"
        case passwordMinimumLength = "password_minimum_length"
        case passwordContextWords = "password_context_words"
        case authenticationsPerAddressPerMinute = "authentications_per_address_per_minute"
        case invitationRequired = "invitation_required"
        case invitationDefaultLifetimeSeconds = "invitation_default_lifetime_seconds"
        case invitationMaxLifetimeSeconds = "invitation_max_lifetime_seconds"
        case invitationMaxUses = "invitation_max_uses"
        case resetLinkLifetimeSeconds = "reset_link_lifetime_seconds"
        case resetCodeLifetimeSeconds = "reset_code_lifetime_seconds"
        case resetRequestsPerAccountPerHour = "reset_requests_per_account_per_hour"
        case resetRequestsPerAddressPerMinute = "reset_requests_per_address_per_minute"
        case resetMaxCodeAttempts = "reset_max_code_attempts"
        case emailVerificationLifetimeSeconds = "email_verification_lifetime_seconds"
        case emailVerificationRequired = "email_verification_required"
    }

    /// No settings: every default.
    public init() {}

    /// Reads a settings file.
    /// - Throws: ``AuthError/Code/invalidArgument`` naming an unreadable file, malformed JSON or an unknown key.
    public static func load(path: String) throws -> AuthSettings {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AuthError(.invalidArgument, "the auth settings file \(path) cannot be read")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw AuthError(.invalidArgument, "the auth settings file \(path) is not a JSON object")
        }
        let known = Set(CodingKeys.allCases.map(\.rawValue))
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw AuthError(.invalidArgument, "the auth settings file \(path) has an unknown key \(unknown)")
        }
        do {
            return try JSONDecoder().decode(AuthSettings.self, from: data)
        } catch {
            throw AuthError(.invalidArgument, "the auth settings file \(path) has a value of the wrong type")
        }
    }

    /// The policy: `base` with these settings applied, validated.
    /// - Throws: ``AuthError/Code/invalidArgument`` naming a setting out of range.
    public func policy(over base: AuthPolicy = AuthPolicy()) throws -> AuthPolicy {
        var policy = base
        func seconds(_ value: Int?) -> Duration? { value.map { .seconds($0) } }
        policy.lockout.maxFailures = lockoutMaxFailures ?? policy.lockout.maxFailures
        policy.lockout.waitIncrement = seconds(lockoutWaitIncrementSeconds) ?? policy.lockout.waitIncrement
        policy.lockout.maxWait = seconds(lockoutMaxWaitSeconds) ?? policy.lockout.maxWait
        policy.lockout.failureResetTime = seconds(lockoutFailureResetSeconds) ?? policy.lockout.failureResetTime
        if let lockoutPermanentAfter {
            policy.lockout.permanentLockoutAfter = lockoutPermanentAfter == 0 ? nil : lockoutPermanentAfter
        }
        policy.sessions.idleTimeout = seconds(sessionIdleTimeoutSeconds) ?? policy.sessions.idleTimeout
        policy.sessions.absoluteLifetime = seconds(sessionAbsoluteLifetimeSeconds) ?? policy.sessions.absoluteLifetime
        policy.sessions.graceWindow = seconds(sessionGraceWindowSeconds) ?? policy.sessions.graceWindow
        policy.mfa.challengeLifetime = seconds(mfaChallengeLifetimeSeconds) ?? policy.mfa.challengeLifetime
        policy.mfa.maxChallengeAttempts = mfaMaxChallengeAttempts ?? policy.mfa.maxChallengeAttempts
        policy.mfa.issuer = mfaIssuer ?? policy.mfa.issuer
        policy.passwords.minimumLength = passwordMinimumLength ?? policy.passwords.minimumLength
        policy.passwords.contextWords = passwordContextWords ?? policy.passwords.contextWords
        policy.authenticationsPerAddressPerMinute =
            authenticationsPerAddressPerMinute ?? policy.authenticationsPerAddressPerMinute
        policy.invitations.requiredForRegistration =
            invitationRequired ?? policy.invitations.requiredForRegistration
        policy.invitations.defaultLifetime =
            seconds(invitationDefaultLifetimeSeconds) ?? policy.invitations.defaultLifetime
        policy.invitations.maxLifetime = seconds(invitationMaxLifetimeSeconds) ?? policy.invitations.maxLifetime
        policy.invitations.maxUses = invitationMaxUses ?? policy.invitations.maxUses
        policy.resets.linkLifetime = seconds(resetLinkLifetimeSeconds) ?? policy.resets.linkLifetime
        policy.resets.codeLifetime = seconds(resetCodeLifetimeSeconds) ?? policy.resets.codeLifetime
        policy.resets.requestsPerAccountPerHour =
            resetRequestsPerAccountPerHour ?? policy.resets.requestsPerAccountPerHour
        policy.resets.requestsPerAddressPerMinute =
            resetRequestsPerAddressPerMinute ?? policy.resets.requestsPerAddressPerMinute
        policy.resets.maxCodeAttempts = resetMaxCodeAttempts ?? policy.resets.maxCodeAttempts
        policy.emailVerification.lifetime =
            seconds(emailVerificationLifetimeSeconds) ?? policy.emailVerification.lifetime
        policy.emailVerification.requiredForSignIn =
            emailVerificationRequired ?? policy.emailVerification.requiredForSignIn
        try policy.validate()
        return policy
    }
}
