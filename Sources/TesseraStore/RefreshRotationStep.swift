import Foundation

/// What rotating a presented refresh token must do, decided once from the session row for every backend.
///
/// The rules (reuse detection, the grace window for concurrent refreshes, expiry) are security policy, so they
/// live here and not in each backend's SQL: a backend reads the row under its lock, asks ``SessionRecord/
/// rotationStep(newHash:newExpiresAt:now:graceWindow:)``, and carries the step out in the same transaction.
public enum RefreshRotationStep: Sendable, Hashable {
    /// Nothing to write: answer with this outcome (`.revoked` or `.expired`).
    case refuse(RefreshRotation)
    /// The token was rotated within the grace window by a concurrent call: answer with the family's current row
    /// (`.alreadyRotated`), or `.revoked` when the family has none.
    case reportCurrent(familyID: UUID)
    /// The token was rotated before the grace window: a replay. Revoke the whole family (`.reuseDetected`).
    case revokeFamily(UUID)
    /// Mark the presented row rotated (`rotated_at = now`, `last_used = now`) and insert `successor`.
    case rotate(successor: SessionRecord)
}

extension SessionRecord {
    /// Decides what rotating this row's refresh token means at `now`.
    ///
    /// - Parameters:
    ///   - newHash: The digest of the successor token the caller made.
    ///   - newExpiresAt: When the successor expires.
    ///   - now: The time of the request.
    ///   - graceWindow: How long after a rotation a second presentation of the same token counts as a
    ///     concurrent refresh (answered with the winner) rather than a replay (which revokes the family).
    /// - Returns: The step the backend carries out.
    public func rotationStep(
        newHash: [UInt8],
        newExpiresAt: Date,
        now: Date,
        graceWindow: Duration
    ) -> RefreshRotationStep {
        if revokedAt != nil {
            return .refuse(.revoked)
        }
        if let rotatedAt {
            return now.timeIntervalSince(rotatedAt) <= DurationSeconds.of(graceWindow)
                ? .reportCurrent(familyID: familyID) : .revokeFamily(familyID)
        }
        if expiresAt <= now || familyExpiresAt.map({ $0 <= now }) == true {
            return .refuse(.expired)
        }
        return .rotate(
            successor: SessionRecord(
                id: UUID(), userID: userID, refreshTokenHash: newHash,
                expiresAt: familyExpiresAt.map { min($0, newExpiresAt) } ?? newExpiresAt,
                deviceInfo: deviceInfo, createdAt: now, lastUsed: nil, familyID: familyID, parentID: id,
                rotationCounter: rotationCounter + 1, rotatedAt: nil, revokedAt: nil, familyExpiresAt: familyExpiresAt
            )
        )
    }
}
