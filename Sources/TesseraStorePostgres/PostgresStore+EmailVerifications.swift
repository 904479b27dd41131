import Foundation
import PostgresNIO
import TesseraStore

extension PostgresStore {
    /// The fixed column list of verification reads (a constant, never a value).
    static let verificationColumns = "id, user_id, email, token_hash, created_at, expires_at, consumed_at"

    /// Inserts a verification token.
    public func createEmailVerification(_ verification: EmailVerificationRecord) async throws {
        try await self.rows(
            """
            INSERT INTO auth.email_verifications (id, user_id, email, token_hash, created_at, expires_at, consumed_at)
            VALUES (\(verification.id), \(verification.userID), \(verification.email),
                \(ByteBuffer(bytes: verification.tokenHash)), \(verification.createdAt), \(verification.expiresAt),
                \(verification.consumedAt))
            """
        )
    }

    /// Consumes a token with one conditional UPDATE; a second read explains a refusal.
    public func consumeEmailVerification(tokenHash: [UInt8], now: Date) async throws -> EmailVerificationConsumption {
        let hash = ByteBuffer(bytes: tokenHash)
        let updated = try await self.rows(
            """
            UPDATE auth.email_verifications SET consumed_at = \(now)
            WHERE token_hash = \(hash) AND consumed_at IS NULL AND expires_at > \(now)
            RETURNING \(unescaped: Self.verificationColumns)
            """
        )
        if let row = updated.first {
            return .consumed(try Self.decodeVerification(row))
        }
        let current = try await self.rows(
            "SELECT \(unescaped: Self.verificationColumns) FROM auth.email_verifications WHERE token_hash = \(hash)"
        ).first.map(Self.decodeVerification)
        guard let current else { return .notFound }
        return current.consumedAt != nil ? .alreadyUsed : .expired
    }

    /// Deletes expired tokens, a bounded batch.
    public func deleteExpiredEmailVerifications(before cutoff: Date, limit: Int) async throws -> Int {
        try await self.rows(
            """
            DELETE FROM auth.email_verifications WHERE id IN (
                SELECT id FROM auth.email_verifications WHERE expires_at < \(cutoff) ORDER BY expires_at LIMIT \(limit)
            ) RETURNING id
            """
        ).count
    }

    static func decodeVerification(_ row: PostgresRow) throws -> EmailVerificationRecord {
        try Self.decoding {
            let (id, userID, email, hash, createdAt, expiresAt, consumedAt) = try row.decode(
                (UUID, UUID, String, ByteBuffer, Date, Date, Date?).self
            )
            return EmailVerificationRecord(
                id: id, userID: userID, email: email, tokenHash: Array(hash.readableBytesView), createdAt: createdAt,
                expiresAt: expiresAt, consumedAt: consumedAt
            )
        }
    }
}
