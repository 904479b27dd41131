import Foundation

// Expected outcomes of the atomic operations: values, not thrown errors (see STYLE.md).

/// The result of ``TesseraStore/redeemInvitation(codeHash:now:)``.
public enum InvitationRedemption: Sendable, Hashable {
    /// One use was taken; the value is the invitation after the increment.
    case redeemed(InvitationRecord)
    /// Every use has been taken.
    case exhausted
    /// The invitation has expired.
    case expired
    /// The invitation was revoked.
    case revoked
    /// No invitation has this code hash.
    case notFound
}

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

/// The result of ``TesseraStore/rotateRefreshToken(oldHash:newHash:newExpiresAt:now:graceWindow:)``.
public enum RefreshRotation: Sendable, Hashable {
    /// This call rotated the token: the value is the new current session row (holding `newHash`).
    case rotated(SessionRecord)
    /// The token had just been rotated by a concurrent call (within the grace window): the value is the family's
    /// current row, which this call did not create. No new token was made.
    case alreadyRotated(current: SessionRecord)
    /// The token had been rotated before the grace window: a replay. The whole family is now revoked.
    case reuseDetected(familyID: UUID)
    /// The token (its family) was revoked.
    case revoked
    /// The token has expired.
    case expired
    /// No session has this refresh-token hash.
    case notFound
}
