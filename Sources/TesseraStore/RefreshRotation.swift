import Foundation

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
