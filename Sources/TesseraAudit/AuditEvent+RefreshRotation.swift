import Foundation
import TesseraStore

extension AuditEvent {
    /// The standard audit record of a refresh-token rotation, used by
    /// ``AuditLog/rotateRefreshToken(oldHash:newHash:newExpiresAt:now:graceWindow:record:)`` unless told otherwise.
    ///
    /// Entity `session`, actor the token's owner, payload `family_id`, `session_id` (the presented row),
    /// `outcome`, and for a rotation `successor_id` and `counter`. Actions: `refresh.rotated` (succeeded),
    /// `refresh.already-rotated` (a concurrent refresh inside the grace window, answered with the winner;
    /// succeeded), `refresh.reuse-detected` (a replay: the family was revoked; refused), `refresh.revoked` and
    /// `refresh.expired` (refused). An unknown token (`.notFound`) records nothing: there is no session to name,
    /// and random guesses must not be able to fill the serialised chain.
    /// - Parameters:
    ///   - outcome: What the rotation did.
    ///   - presented: The presented token's row, as the store read it under its lock (nil when unknown).
    /// - Returns: The event to record, or nil.
    public static func refreshRotation(_ outcome: RefreshRotation, presented: SessionRecord?) -> AuditEvent? {
        guard let presented else { return nil }
        var payload = AuditPayload()
        payload.set(AuditName("family_id"), id: presented.familyID)
        payload.set(AuditName("session_id"), id: presented.id)
        let action: AuditName
        switch outcome {
        case .rotated(let successor):
            action = AuditName("refresh.rotated")
            payload.set(AuditName("successor_id"), id: successor.id)
            payload.set(AuditName("counter"), count: Int64(successor.rotationCounter))
            payload.set(AuditName("outcome"), outcome: .succeeded)
        case .alreadyRotated:
            action = AuditName("refresh.already-rotated")
            payload.set(AuditName("outcome"), outcome: .succeeded)
        case .reuseDetected:
            action = AuditName("refresh.reuse-detected")
            payload.set(AuditName("outcome"), outcome: .refused)
        case .revoked:
            action = AuditName("refresh.revoked")
            payload.set(AuditName("outcome"), outcome: .refused)
        case .expired:
            action = AuditName("refresh.expired")
            payload.set(AuditName("outcome"), outcome: .refused)
        case .notFound:
            return nil
        }
        return AuditEvent(entity: AuditName("session"), action: action, actorID: presented.userID, payload: payload)
    }
}
