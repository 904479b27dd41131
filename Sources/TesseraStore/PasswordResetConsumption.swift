import Foundation

/// The result of ``TesseraStore/consumePasswordReset(tokenHash:now:)``.
public enum PasswordResetConsumption: Sendable, Hashable {
    /// This call consumed the token; the value is the reset (now used).
    case consumed(PasswordResetRecord)
    /// The token was already consumed.
    case alreadyUsed
    /// The token has expired.
    case expired
    /// No reset has this token hash.
    case notFound
}
