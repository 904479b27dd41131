import Foundation

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
