import Foundation

/// Email verification tokens (`auth.email_verifications`), stored as hashes, consumed once.
///
/// One of the narrow protocols ``TesseraStore`` is composed of. Every method is a single atomic unit against the
/// database.
public protocol EmailVerificationStore: Sendable {

    /// Inserts a verification token.
    /// - Throws: ``StoreError/Code/uniqueViolation``, ``StoreError/Code/foreignKey`` (unknown user).
    func createEmailVerification(_ verification: EmailVerificationRecord) async throws

    /// Atomically consumes a token: exactly one caller ever gets ``EmailVerificationConsumption/consumed(_:)``.
    func consumeEmailVerification(tokenHash: [UInt8], now: Date) async throws -> EmailVerificationConsumption

    /// Deletes tokens that expired before `cutoff`, at most `limit` of them. Returns how many were deleted.
    func deleteExpiredEmailVerifications(before cutoff: Date, limit: Int) async throws -> Int
}
