import Foundation
import SQLiteNIO
import TesseraStore

extension SQLiteStore {
    static let verificationColumns = "id, user_id, email, token_hash, created_at, expires_at, consumed_at"

    /// Inserts a verification token.
    public func createEmailVerification(_ verification: EmailVerificationRecord) async throws {
        _ = try await self.rows(
            """
            INSERT INTO auth_email_verifications (id, user_id, email, token_hash, created_at, expires_at, consumed_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """,
            [
                SQLiteBind.uuid(verification.id), SQLiteBind.uuid(verification.userID),
                SQLiteBind.text(verification.email), SQLiteBind.bytes(verification.tokenHash),
                SQLiteBind.date(verification.createdAt), SQLiteBind.date(verification.expiresAt),
                SQLiteBind.date(verification.consumedAt),
            ]
        )
    }

    /// Consumes a token with one conditional UPDATE; a second read explains a refusal.
    public func consumeEmailVerification(tokenHash: [UInt8], now: Date) async throws -> EmailVerificationConsumption {
        let updated = try await self.rows(
            """
            UPDATE auth_email_verifications SET consumed_at = ?
            WHERE token_hash = ? AND consumed_at IS NULL AND expires_at > ?
            RETURNING \(Self.verificationColumns)
            """,
            [SQLiteBind.date(now), SQLiteBind.bytes(tokenHash), SQLiteBind.date(now)]
        )
        if let row = updated.first {
            return .consumed(try Self.decodeVerification(row))
        }
        let current = try await self.rows(
            "SELECT \(Self.verificationColumns) FROM auth_email_verifications WHERE token_hash = ?",
            [SQLiteBind.bytes(tokenHash)]
        ).first.map(Self.decodeVerification)
        guard let current else { return .notFound }
        return current.consumedAt != nil ? .alreadyUsed : .expired
    }

    /// Deletes expired tokens, a bounded batch.
    public func deleteExpiredEmailVerifications(before cutoff: Date, limit: Int) async throws -> Int {
        try await self.rows(
            """
            DELETE FROM auth_email_verifications WHERE id IN (
                SELECT id FROM auth_email_verifications WHERE expires_at < ? ORDER BY expires_at LIMIT ?
            ) RETURNING id
            """,
            [SQLiteBind.date(cutoff), SQLiteBind.int(limit)]
        ).count
    }

    static func decodeVerification(_ row: SQLiteRowReader) throws -> EmailVerificationRecord {
        EmailVerificationRecord(
            id: try row.uuid("id"), userID: try row.uuid("user_id"), email: try row.string("email"),
            tokenHash: try row.bytes("token_hash"), createdAt: try row.date("created_at"),
            expiresAt: try row.date("expires_at"), consumedAt: try row.optionalDate("consumed_at")
        )
    }
}
