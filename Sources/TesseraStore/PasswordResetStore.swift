import Foundation

/// Password resets (`auth.password_resets`): tokens stored as hashes, consumed once.
///
/// One of the narrow protocols ``TesseraStore`` is composed of: a flow, and its in-memory fake, depends only on the
/// parts it uses. Every method is a single atomic unit against the database.
public protocol PasswordResetStore: Sendable {

    /// Inserts a password reset.
    /// - Throws: ``StoreError/Code/duplicateResetToken``, ``StoreError/Code/foreignKey`` (unknown user).
    func createPasswordReset(_ reset: PasswordResetRecord) async throws

    /// The reset with this token hash, or nil.
    func passwordReset(tokenHash: [UInt8]) async throws -> PasswordResetRecord?

    /// Records a reset request in one atomic step: counts the subject's requests in the window and, under the
    /// limit, logs this one, invalidates the user's earlier live resets and stores the new reset.
    ///
    /// The same work runs whether or not `request.reset` is nil (one statement on PostgreSQL), so a request for an
    /// address without an account costs the same as one with.
    /// - Throws: ``StoreError/Code/invalidValue`` (a limit below 1), ``StoreError/Code/duplicateResetToken``.
    func requestPasswordReset(_ request: PasswordResetRequest) async throws -> PasswordResetRequestOutcome

    /// The user's newest live reset of `kind` (not used, not invalidated, not expired at `now`), locked against
    /// concurrent writers until the enclosing ``TransactionStore/transaction(_:)`` ends; outside one it is a read.
    /// Codes are consumed through it: the wrong-code count is read and written under the lock.
    func livePasswordResetForUpdate(userID: UUID, kind: PasswordResetKind, now: Date) async throws
        -> PasswordResetRecord?

    /// Overwrites `used`, `failed_attempts` and `invalidated_at` of an existing reset.
    /// - Throws: ``StoreError/Code/notFound``.
    func updatePasswordReset(_ reset: PasswordResetRecord) async throws

    /// Deletes the subjects' request records older than `cutoff` (the per-account limit's bookkeeping), at most
    /// `limit` of them. Returns how many were deleted.
    func deletePasswordResetRequests(before cutoff: Date, limit: Int) async throws -> Int

    /// Atomically consumes a link reset token: exactly one caller ever gets
    /// ``PasswordResetConsumption/consumed(_:)``; an invalidated one is never consumed.
    func consumePasswordReset(tokenHash: [UInt8], now: Date) async throws -> PasswordResetConsumption

    /// Deletes resets that expired before `cutoff`. Returns how many were deleted.
    ///
    /// Deletes at most `limit` rows, so a sweep holds its locks briefly and can be spread over time; call again
    /// while the result equals `limit`. On PostgreSQL rows another transaction has locked are skipped (`SKIP
    /// LOCKED`), so replicas sweeping at once neither wait for nor double-count each other.
    /// - Throws: ``StoreError/Code/invalidValue`` when `limit` is below 1.
    func deleteExpiredPasswordResets(before cutoff: Date, limit: Int) async throws -> Int
}
