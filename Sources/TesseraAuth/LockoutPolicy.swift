import Foundation
import TesseraStore

/// Brute-force protection in the database, with Keycloak's knobs: it holds across replicas and restarts.
///
/// Every `maxFailures` consecutive failures lock the account temporarily, for `waitIncrement` times the number of
/// temporary lockouts so far, at most `maxWait`; after `permanentLockoutAfter` temporary lockouts the lock is
/// permanent (until an administrator unlocks). A failure more than `failureResetTime` after the previous one starts
/// the count again, and a successful login clears everything. Attempts while locked are refused without being
/// counted. The defaults stay within NIST SP 800-63B §5.2.2 (no more than 100 consecutive failures).
public struct LockoutPolicy: Sendable, Hashable {
    /// Consecutive failures that lock the account (1…100).
    public var maxFailures: Int
    /// The first temporary lock's length; the n-th lasts n times this.
    public var waitIncrement: Duration
    /// The longest temporary lock.
    public var maxWait: Duration
    /// A failure this long after the previous one counts as the first again.
    public var failureResetTime: Duration
    /// Temporary lockouts after which the lock is permanent, or nil for never.
    public var permanentLockoutAfter: Int?

    /// Creates a policy; the defaults are 10 failures, 1 minute more per lockout up to 15 minutes, a reset after
    /// 12 hours without failures, and no permanent lockout.
    public init(
        maxFailures: Int = 10,
        waitIncrement: Duration = .seconds(60),
        maxWait: Duration = .seconds(15 * 60),
        failureResetTime: Duration = .seconds(12 * 3600),
        permanentLockoutAfter: Int? = nil
    ) {
        self.maxFailures = maxFailures
        self.waitIncrement = waitIncrement
        self.maxWait = maxWait
        self.failureResetTime = failureResetTime
        self.permanentLockoutAfter = permanentLockoutAfter
    }

    /// Refuses settings outside their ranges.
    /// - Throws: ``AuthError/Code/invalidArgument`` naming the setting.
    public func validate() throws {
        guard (1...100).contains(maxFailures) else {
            throw AuthError(.invalidArgument, "lockout max failures must be 1-100 (NIST SP 800-63B)")
        }
        guard waitIncrement > .zero, maxWait >= waitIncrement else {
            throw AuthError(.invalidArgument, "lockout wait increment must be positive and at most the max wait")
        }
        guard failureResetTime > .zero else {
            throw AuthError(.invalidArgument, "lockout failure reset time must be positive")
        }
        if let permanentLockoutAfter, permanentLockoutAfter < 1 {
            throw AuthError(.invalidArgument, "permanent lockout must follow at least one temporary lockout")
        }
    }

    /// What one more failed attempt does to `user` at `now` (a pure step: the caller read `user` under its row
    /// lock and writes the result in the same transaction, so concurrent failures are counted exactly).
    /// - Parameters:
    ///   - user: The row as read under the lock.
    ///   - now: The attempt's time.
    /// - Returns: The row to write, and the lock this failure started (nil when it started none).
    public func afterFailure(_ user: UserRecord, at now: Date) -> (user: UserRecord, locked: LockoutState?) {
        var next = user
        if let last = user.lastFailedLogin, now.timeIntervalSince(last) > DurationSeconds.of(failureResetTime) {
            next.failedLoginAttempts = 0
        }
        next.failedLoginAttempts += 1
        next.lastFailedLogin = now
        next.updatedAt = now
        guard next.failedLoginAttempts.isMultiple(of: maxFailures) else { return (next, nil) }
        next.temporaryLockouts += 1
        if let permanentLockoutAfter, next.temporaryLockouts >= permanentLockoutAfter {
            next.lockedUntil = .distantFuture
            return (next, .permanent)
        }
        let wait = min(DurationSeconds.of(waitIncrement) * Double(next.temporaryLockouts), DurationSeconds.of(maxWait))
        let until = now.addingTimeInterval(wait)
        next.lockedUntil = until
        return (next, .until(until))
    }

    /// What a successful login does to `user`: every counter cleared, `last_login` set.
    /// - Parameters:
    ///   - user: The row as read under the lock.
    ///   - now: The login's time.
    /// - Returns: The row to write.
    public func afterSuccess(_ user: UserRecord, at now: Date) -> UserRecord {
        var next = cleared(user, at: now)
        next.lastLogin = now
        return next
    }

    /// The row with every lockout counter cleared (an administrator's unlock, a password reset).
    /// - Parameters:
    ///   - user: The row.
    ///   - now: The time of the change.
    public func cleared(_ user: UserRecord, at now: Date) -> UserRecord {
        var next = user
        next.failedLoginAttempts = 0
        next.temporaryLockouts = 0
        next.lockedUntil = nil
        next.lastFailedLogin = nil
        next.updatedAt = now
        return next
    }
}

/// A lock a failure started.
public enum LockoutState: Sendable, Hashable {
    /// Locked until this time.
    case until(Date)
    /// Locked until an administrator unlocks.
    case permanent
}

extension UserRecord {
    /// Whether logins are refused at `now` because of a lockout.
    public func isLocked(at now: Date) -> Bool {
        lockedUntil.map { $0 > now } ?? false
    }
}
