/// How long sessions live: an idle timeout renewed by every refresh, an absolute lifetime that no refresh
/// extends, and the grace window in which a second presentation of a rotated token is a concurrent refresh
/// (answered with the same successor) rather than a replay (which revokes the family).
public struct SessionPolicy: Sendable, Hashable {
    /// A refresh token unused this long expires (default 14 days).
    public var idleTimeout: Duration
    /// A session ends this long after sign-in, however often it is refreshed (default 30 days).
    public var absoluteLifetime: Duration
    /// The concurrent-refresh window (default 10 seconds).
    public var graceWindow: Duration

    /// Creates a policy.
    public init(
        idleTimeout: Duration = .seconds(14 * 86_400),
        absoluteLifetime: Duration = .seconds(30 * 86_400),
        graceWindow: Duration = .seconds(10)
    ) {
        self.idleTimeout = idleTimeout
        self.absoluteLifetime = absoluteLifetime
        self.graceWindow = graceWindow
    }

    /// Refuses settings outside their ranges.
    /// - Throws: ``AuthError/Code/invalidArgument`` naming the setting.
    public func validate() throws {
        guard idleTimeout >= .seconds(60), absoluteLifetime >= idleTimeout else {
            throw AuthError(.invalidArgument, "session idle timeout must be at least 60 s and at most the lifetime")
        }
        guard graceWindow >= .zero, graceWindow <= .seconds(60) else {
            throw AuthError(.invalidArgument, "session grace window must be 0-60 s")
        }
    }
}

/// Second-factor settings.
public struct MFAPolicy: Sendable, Hashable {
    /// How long a challenge from `Authenticate` stays usable (default 5 minutes).
    public var challengeLifetime: Duration
    /// Wrong codes a challenge accepts before it is used up (default 5).
    public var maxChallengeAttempts: Int
    /// TOTP steps accepted either side of the current one (default 1).
    public var totpWindow: Int
    /// How long a TOTP enrolment may wait for its confirmation (default 15 minutes).
    public var enrolmentLifetime: Duration
    /// The issuer shown in authenticator apps (default `Tessera`).
    public var issuer: String

    /// Creates a policy.
    public init(
        challengeLifetime: Duration = .seconds(300),
        maxChallengeAttempts: Int = 5,
        totpWindow: Int = 1,
        enrolmentLifetime: Duration = .seconds(900),
        issuer: String = "Tessera"
    ) {
        self.challengeLifetime = challengeLifetime
        self.maxChallengeAttempts = maxChallengeAttempts
        self.totpWindow = totpWindow
        self.enrolmentLifetime = enrolmentLifetime
        self.issuer = issuer
    }

    /// Refuses settings outside their ranges.
    public func validate() throws {
        guard challengeLifetime >= .seconds(30), challengeLifetime <= .seconds(3600) else {
            throw AuthError(.invalidArgument, "MFA challenge lifetime must be 30 s to 1 h")
        }
        guard (1...10).contains(maxChallengeAttempts) else {
            throw AuthError(.invalidArgument, "MFA challenge attempts must be 1-10")
        }
        guard (0...2).contains(totpWindow) else { throw AuthError(.invalidArgument, "TOTP window must be 0-2") }
    }
}
