import Foundation

/// A row of `auth.users`.
///
/// `passwordHash` is a PHC string and `sealedTOTPSecret` an envelope-sealed blob: the store treats both as opaque.
public struct UserRecord: Sendable, Hashable {
    /// The user's id.
    public var id: UUID
    /// The email address (unique, case-sensitive as given; normalise before storing).
    public var email: String
    /// The password hash in PHC string format.
    public var passwordHash: String
    /// The user's role.
    public var role: UserRole
    /// Whether the email address has been verified.
    public var verified: Bool
    /// The TOTP secret sealed by the envelope scheme, or nil when TOTP is not enrolled.
    public var sealedTOTPSecret: [UInt8]?
    /// When the user was created.
    public var createdAt: Date
    /// When the row was last changed.
    public var updatedAt: Date
    /// When the user last logged in successfully.
    public var lastLogin: Date?
    /// Consecutive failed logins since the last success.
    public var failedLoginAttempts: Int
    /// Until when logins are refused, if locked out (`.distantFuture` for a permanent lockout).
    public var lockedUntil: Date?
    /// When the last failed login happened (the failure-reset time counts from it).
    public var lastFailedLogin: Date?
    /// Temporary lockouts since the last successful login (a permanent lockout follows a configured number).
    public var temporaryLockouts: Int
    /// When an administrator disabled the account, if one did: it authenticates like an unknown one.
    public var disabledAt: Date?
    /// Free-form per-user settings (the `settings` jsonb column), as string pairs.
    public var settings: [String: String]

    /// Creates a user row value; timestamps default to `createdAt`.
    /// - Parameters:
    ///   - id: The user's id.
    ///   - email: The (normalised) email address.
    ///   - passwordHash: The PHC string.
    ///   - role: The role.
    ///   - verified: Whether the email is verified.
    ///   - sealedTOTPSecret: The sealed TOTP secret, if enrolled.
    ///   - createdAt: Creation time.
    ///   - updatedAt: Last change; defaults to `createdAt`.
    ///   - lastLogin: Last successful login.
    ///   - failedLoginAttempts: Consecutive failures.
    ///   - lockedUntil: Lockout end.
    ///   - lastFailedLogin: Last failure.
    ///   - temporaryLockouts: Temporary lockouts since the last success.
    ///   - disabledAt: When the account was disabled.
    ///   - settings: Per-user settings.
    public init(
        id: UUID = UUID(),
        email: String,
        passwordHash: String,
        role: UserRole = .user,
        verified: Bool = false,
        sealedTOTPSecret: [UInt8]? = nil,
        createdAt: Date,
        updatedAt: Date? = nil,
        lastLogin: Date? = nil,
        failedLoginAttempts: Int = 0,
        lockedUntil: Date? = nil,
        lastFailedLogin: Date? = nil,
        temporaryLockouts: Int = 0,
        disabledAt: Date? = nil,
        settings: [String: String] = [:]
    ) {
        self.id = id
        self.email = email
        self.passwordHash = passwordHash
        self.role = role
        self.verified = verified
        self.sealedTOTPSecret = sealedTOTPSecret
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.lastLogin = lastLogin
        self.failedLoginAttempts = failedLoginAttempts
        self.lockedUntil = lockedUntil
        self.lastFailedLogin = lastFailedLogin
        self.temporaryLockouts = temporaryLockouts
        self.disabledAt = disabledAt
        self.settings = settings
    }
}
