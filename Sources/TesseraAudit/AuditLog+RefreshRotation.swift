import Foundation
import TesseraStore

extension AuditLog {
    /// Rotates a refresh token and records the outcome in the audit chain, in one transaction: the entry exists if
    /// and only if the rotation committed, and a refusal (a replay that revoked the family) is recorded as
    /// atomically as a rotation.
    ///
    /// The rules are the store's
    /// (``TesseraStore/rotateRefreshToken(oldHash:newHash:newExpiresAt:now:graceWindow:audit:seal:)``); this
    /// signs the entry with the audit key, which the caller never handles. The entry's timestamp is `now`.
    ///
    /// - Parameters:
    ///   - oldHash: The presented refresh token's hash.
    ///   - newHash: The successor token's hash.
    ///   - newExpiresAt: When the successor expires.
    ///   - now: The time of the request.
    ///   - graceWindow: How long after a rotation a second presentation counts as a concurrent refresh.
    ///   - record: What to record for an outcome and the presented row (nil: nothing); by default
    ///     ``AuditEvent/refreshRotation(_:presented:)``.
    /// - Returns: The outcome and the appended entry.
    /// - Throws: `StoreError` from the store (e.g. `duplicateRefreshToken`, which leaves both the sessions and the
    ///   chain unchanged).
    @discardableResult
    public func rotateRefreshToken(
        oldHash: [UInt8],
        newHash: [UInt8],
        newExpiresAt: Date,
        now: Date,
        graceWindow: Duration,
        record: @escaping @Sendable (RefreshRotation, SessionRecord?) -> AuditEvent? = AuditEvent.refreshRotation
    ) async throws -> AuditedRefreshRotation {
        let key = self.key
        return try await self.store.rotateRefreshToken(
            oldHash: oldHash,
            newHash: newHash,
            newExpiresAt: newExpiresAt,
            now: now,
            graceWindow: graceWindow,
            audit: { outcome, presented in record(outcome, presented)?.draft(at: now) },
            seal: { draft, link in AuditCanonicalForm.seal(draft, link: link, key: key) }
        )
    }
}
