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

    /// Atomically consumes a reset token: exactly one caller ever gets ``PasswordResetConsumption/consumed(_:)``.
    func consumePasswordReset(tokenHash: [UInt8], now: Date) async throws -> PasswordResetConsumption

    /// Deletes resets that expired before `cutoff`. Returns how many were deleted.
    ///
    /// Deletes at most `limit` rows, so a sweep holds its locks briefly and can be spread over time; call again
    /// while the result equals `limit`. On PostgreSQL rows another transaction has locked are skipped (`SKIP
    /// LOCKED`), so replicas sweeping at once neither wait for nor double-count each other.
    /// - Throws: ``StoreError/Code/invalidValue`` when `limit` is below 1.
    func deleteExpiredPasswordResets(before cutoff: Date, limit: Int) async throws -> Int
}
