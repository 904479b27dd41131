import Foundation

/// TOTP state: accepted time steps (replay protection) and recovery codes stored as hashes.
///
/// One of the narrow protocols ``TesseraStore`` is composed of: a flow, and its in-memory fake, depends only on the
/// parts it uses. Every method is a single atomic unit against the database.
public protocol TOTPStateStore: Sendable {

    /// Atomically accepts a TOTP time step for a user if it is later than every step accepted before (replay
    /// protection). Returns false for a replayed (or older) step.
    /// - Throws: ``StoreError/Code/foreignKey`` (unknown user).
    func acceptTOTPStep(userID: UUID, step: Int64) async throws -> Bool

    /// Replaces a user's recovery codes (hashes) with a new set, in one transaction.
    /// - Throws: ``StoreError/Code/duplicateRecoveryCode``, ``StoreError/Code/foreignKey``.
    func replaceRecoveryCodes(userID: UUID, codeHashes: [[UInt8]], now: Date) async throws

    /// Atomically consumes one unused recovery code of a user. Returns false when none matches.
    func consumeRecoveryCode(userID: UUID, codeHash: [UInt8], now: Date) async throws -> Bool

    /// How many unused recovery codes a user has.
    func remainingRecoveryCodes(userID: UUID) async throws -> Int
}
