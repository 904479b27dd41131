import Foundation

/// Sessions (`auth.sessions`): refresh tokens stored as hashes, rotation with reuse detection.
///
/// One of the narrow protocols ``TesseraStore`` is composed of: a flow, and its in-memory fake, depends only on the
/// parts it uses. Every method is a single atomic unit against the database.
public protocol SessionStore: Sendable {

    /// Inserts a session row (usually the first token of a family, made with
    /// ``SessionRecord/init(id:userID:refreshTokenHash:expiresAt:deviceInfo:createdAt:)``).
    /// - Throws: ``StoreError/Code/duplicateRefreshToken``, ``StoreError/Code/foreignKey`` (unknown user).
    func createSession(_ session: SessionRecord) async throws

    /// The session row with this refresh-token hash (current or not), or nil.
    func session(refreshTokenHash: [UInt8]) async throws -> SessionRecord?

    /// Every session row of a user, current or not, oldest first.
    func sessions(userID: UUID) async throws -> [SessionRecord]

    /// Atomically rotates a refresh token: if `oldHash` is its family's current token and not expired, marks it
    /// rotated and inserts a successor holding `newHash`, so exactly one token per family is current.
    ///
    /// A concurrent second rotation of the same old token, within `graceWindow` of the first, observes the winner
    /// (``RefreshRotation/alreadyRotated(current:)``) instead of forking the family. A rotation of an old token
    /// later than that is a replay: the whole family is revoked (``RefreshRotation/reuseDetected(familyID:)``).
    ///
    /// The same as the audited
    /// ``rotateRefreshToken(oldHash:newHash:newExpiresAt:now:graceWindow:audit:seal:)`` recording nothing; every
    /// backend gets it from the protocol extension.
    /// - Throws: ``StoreError/Code/duplicateRefreshToken`` when `newHash` is already in use.
    func rotateRefreshToken(
        oldHash: [UInt8],
        newHash: [UInt8],
        newExpiresAt: Date,
        now: Date,
        graceWindow: Duration
    ) async throws -> RefreshRotation

    /// Rotates a refresh token (exactly as
    /// ``rotateRefreshToken(oldHash:newHash:newExpiresAt:now:graceWindow:)``) and appends the audit entry recording
    /// the outcome, in ONE transaction: the entry exists if and only if the rotation committed, and a refusal that
    /// writes (a replay revoking the family) is recorded as atomically as a rotation.
    ///
    /// Once the outcome is decided under the row lock, the store calls `audit` with it and the presented row (nil
    /// when no session has `oldHash`); when that returns a draft, the store appends it like
    /// ``appendAuditEntry(_:seal:)`` before COMMIT (no shared row: the entry id comes from a sequence). Any error
    /// (a taken `newHash`, a throwing closure, whose error reaches the caller unchanged) rolls back both the
    /// rotation and the entry.
    /// - Parameters:
    ///   - oldHash: The presented refresh token's hash.
    ///   - newHash: The successor token's hash.
    ///   - newExpiresAt: When the successor expires.
    ///   - now: The time of the request.
    ///   - graceWindow: How long after a rotation a second presentation counts as a concurrent refresh.
    ///   - audit: The entry to record for an outcome and the presented row, or nil for none; runs inside the
    ///     transaction, so keep it short and free of I/O.
    ///   - seal: Computes the entry's hash and signature, as for ``appendAuditEntry(_:seal:)``.
    /// - Returns: The outcome and the appended entry (nil when `audit` returned nil).
    /// - Throws: ``StoreError/Code/duplicateRefreshToken`` when `newHash` is already in use.
    func rotateRefreshToken(
        oldHash: [UInt8],
        newHash: [UInt8],
        newExpiresAt: Date,
        now: Date,
        graceWindow: Duration,
        audit: @escaping @Sendable (RefreshRotation, SessionRecord?) throws -> AuditEntryDraft?,
        seal: @escaping @Sendable (AuditEntryDraft, AuditChainLink) throws -> AuditSeal
    ) async throws -> AuditedRefreshRotation

    /// Revokes every not-yet-revoked row of a family. Returns how many rows changed.
    func revokeSessionFamily(familyID: UUID, now: Date) async throws -> Int

    /// Revokes every not-yet-revoked session row of a user (e.g. after a password reset). Returns how many changed.
    func revokeSessions(userID: UUID, now: Date) async throws -> Int

    /// Deletes session rows that expired before `cutoff`. Returns how many were deleted.
    ///
    /// Deletes at most `limit` rows, so a sweep holds its locks briefly and can be spread over time; call again
    /// while the result equals `limit`. On PostgreSQL rows another transaction has locked are skipped (`SKIP
    /// LOCKED`), so replicas sweeping at once neither wait for nor double-count each other.
    /// - Throws: ``StoreError/Code/invalidValue`` when `limit` is below 1.
    func deleteExpiredSessions(before cutoff: Date, limit: Int) async throws -> Int
}
