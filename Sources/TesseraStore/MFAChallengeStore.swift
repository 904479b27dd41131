import Foundation

/// Second-factor challenges (`auth.mfa_challenges`), stored as hashes.
///
/// One of the narrow protocols ``TesseraStore`` is composed of. The decisions (expired, used up, too many
/// attempts) are the domain's: the store reads the row under a lock and writes what it is told.
public protocol MFAChallengeStore: Sendable {

    /// Inserts a challenge.
    /// - Throws: ``StoreError/Code/foreignKey`` (unknown user), ``StoreError/Code/uniqueViolation`` (hash taken).
    func createMFAChallenge(_ challenge: MFAChallengeRecord) async throws

    /// The challenge with this token hash, locked against concurrent writers until the enclosing transaction
    /// ends (as ``UserStore/userForUpdate(id:)``), or nil.
    func mfaChallengeForUpdate(hash: [UInt8]) async throws -> MFAChallengeRecord?

    /// Writes a challenge's `failed_attempts` and `consumed_at`.
    /// - Throws: ``StoreError/Code/notFound``.
    func updateMFAChallenge(_ challenge: MFAChallengeRecord) async throws

    /// Deletes challenges that expired before `cutoff`. Returns how many were deleted.
    ///
    /// Deletes at most `limit` rows, so a sweep holds its locks briefly and can be spread over time; call again
    /// while the result equals `limit`. On PostgreSQL rows another transaction has locked are skipped (`SKIP
    /// LOCKED`), so replicas sweeping at once neither wait for nor double-count each other.
    /// - Throws: ``StoreError/Code/invalidValue`` when `limit` is below 1.
    func deleteExpiredMFAChallenges(before cutoff: Date, limit: Int) async throws -> Int
}
