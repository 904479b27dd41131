/// Invitations: who may register, and the bounds an invitation is created within.
public struct InvitationPolicy: Sendable, Hashable {
    /// Whether `register` needs an invitation code (default false: open registration).
    public var requiredForRegistration: Bool
    /// The time to live of an invitation created without one (default 7 days).
    public var defaultLifetime: Duration
    /// The longest time to live an invitation may be given (default 90 days).
    public var maxLifetime: Duration
    /// The most uses one invitation may allow (default 10 000).
    public var maxUses: Int

    /// Creates a policy.
    public init(
        requiredForRegistration: Bool = false,
        defaultLifetime: Duration = .seconds(7 * 86_400),
        maxLifetime: Duration = .seconds(90 * 86_400),
        maxUses: Int = 10_000
    ) {
        self.requiredForRegistration = requiredForRegistration
        self.defaultLifetime = defaultLifetime
        self.maxLifetime = maxLifetime
        self.maxUses = maxUses
    }

    /// Refuses settings outside their ranges.
    public func validate() throws {
        guard maxLifetime >= .seconds(60), maxLifetime <= .seconds(365 * 86_400) else {
            throw AuthError(.invalidArgument, "the longest invitation lifetime must be 1 minute to 365 days")
        }
        guard defaultLifetime >= .seconds(60), defaultLifetime <= maxLifetime else {
            throw AuthError(.invalidArgument, "the default invitation lifetime must be 1 minute to the longest one")
        }
        guard (1...1_000_000).contains(maxUses) else {
            throw AuthError(.invalidArgument, "the most uses of an invitation must be 1-1000000")
        }
    }
}

/// Password resets: lifetimes, request limits, code attempts.
public struct PasswordResetPolicy: Sendable, Hashable {
    /// How long a link token stays usable (default 1 hour).
    public var linkLifetime: Duration
    /// How long a numeric code stays usable (default 15 minutes: it is short, so it lives briefly).
    public var codeLifetime: Duration
    /// Requests per email address per hour, across replicas, whether or not it has an account (default 5).
    public var requestsPerAccountPerHour: Int
    /// `Request` calls per client address per minute on one replica (0: no limit; default 10).
    public var requestsPerAddressPerMinute: Int
    /// Wrong codes a numeric code accepts before it is invalidated (default 5).
    public var maxCodeAttempts: Int

    /// Creates a policy.
    public init(
        linkLifetime: Duration = .seconds(3600),
        codeLifetime: Duration = .seconds(900),
        requestsPerAccountPerHour: Int = 5,
        requestsPerAddressPerMinute: Int = 10,
        maxCodeAttempts: Int = 5
    ) {
        self.linkLifetime = linkLifetime
        self.codeLifetime = codeLifetime
        self.requestsPerAccountPerHour = requestsPerAccountPerHour
        self.requestsPerAddressPerMinute = requestsPerAddressPerMinute
        self.maxCodeAttempts = maxCodeAttempts
    }

    /// The window the per-account limit counts over.
    static let requestWindow = Duration.seconds(3600)

    /// Refuses settings outside their ranges.
    public func validate() throws {
        guard linkLifetime >= .seconds(60), linkLifetime <= .seconds(86_400) else {
            throw AuthError(.invalidArgument, "the reset link lifetime must be 1 minute to 24 hours")
        }
        guard codeLifetime >= .seconds(60), codeLifetime <= .seconds(3600) else {
            throw AuthError(.invalidArgument, "the reset code lifetime must be 1 minute to 1 hour")
        }
        guard (1...100).contains(requestsPerAccountPerHour) else {
            throw AuthError(.invalidArgument, "reset requests per account per hour must be 1-100")
        }
        guard requestsPerAddressPerMinute >= 0 else {
            throw AuthError(.invalidArgument, "reset requests per address per minute must not be negative")
        }
        guard (1...10).contains(maxCodeAttempts) else {
            throw AuthError(.invalidArgument, "reset code attempts must be 1-10")
        }
    }
}

/// Email verification.
public struct EmailVerificationPolicy: Sendable, Hashable {
    /// How long a verification token stays usable (default 24 hours).
    public var lifetime: Duration
    /// Whether `authenticate` refuses an account whose address is not verified (default false).
    public var requiredForSignIn: Bool

    /// Creates a policy.
    public init(lifetime: Duration = .seconds(86_400), requiredForSignIn: Bool = false) {
        self.lifetime = lifetime
        self.requiredForSignIn = requiredForSignIn
    }

    /// Refuses settings outside their ranges.
    public func validate() throws {
        guard lifetime >= .seconds(300), lifetime <= .seconds(30 * 86_400) else {
            throw AuthError(.invalidArgument, "the email verification lifetime must be 5 minutes to 30 days")
        }
    }
}
