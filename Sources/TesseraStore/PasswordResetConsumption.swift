import Foundation

/// The result of ``TesseraStore/consumePasswordReset(tokenHash:now:)``.
public enum PasswordResetConsumption: Sendable, Hashable {
    /// This call consumed the token; the value is the reset (now used).
    case consumed(PasswordResetRecord)
    /// The token was already consumed.
    case alreadyUsed
    /// A newer request for the same user, or too many wrong codes, made it unusable.
    case invalidated
    /// The token has expired.
    case expired
    /// No reset has this token hash.
    case notFound

    /// Why `reset`, which a consuming update did not take, was refused: used, invalidated, or else expired.
    public init(refusing reset: PasswordResetRecord) {
        if reset.used {
            self = .alreadyUsed
        } else if reset.invalidatedAt != nil {
            self = .invalidated
        } else {
            self = .expired
        }
    }
}

/// A password-reset request to record: the requester's bookkeeping row, and the reset itself when the email
/// belongs to an account. See ``PasswordResetStore/requestPasswordReset(_:)``.
public struct PasswordResetRequest: Sendable, Hashable {
    /// A keyed hash of the requested (normalised) email address: the per-account limit counts by it, whether or
    /// not an account has that address, so the limit itself says nothing about which addresses exist.
    public var subjectHash: [UInt8]
    /// The reset to create, or nil when no account has the address.
    public var reset: PasswordResetRecord?
    /// The time of the request.
    public var now: Date
    /// The window the limit counts requests over, ending at `now`.
    public var window: Duration
    /// The most requests per subject in the window (the request that would exceed it is refused).
    public var limit: Int

    /// Creates a request.
    /// - Parameters:
    ///   - subjectHash: The keyed hash of the email address.
    ///   - reset: The reset, when the address has an account.
    ///   - now: The time of the request.
    ///   - window: The limit's window.
    ///   - limit: Requests allowed per window.
    public init(subjectHash: [UInt8], reset: PasswordResetRecord?, now: Date, window: Duration, limit: Int) {
        self.subjectHash = subjectHash
        self.reset = reset
        self.now = now
        self.window = window
        self.limit = limit
    }
}

/// The result of ``PasswordResetStore/requestPasswordReset(_:)``.
public enum PasswordResetRequestOutcome: Sendable, Hashable {
    /// Recorded; the user's earlier live resets were invalidated and the new one (if any) stored.
    case recorded
    /// The subject already has `limit` requests in the window: nothing was written.
    case limited
}
