import Foundation
import SQLiteNIO
import TesseraStore

extension SQLiteStore {
    static let resetColumns =
        "id, user_id, token_hash, expires_at, used, created_at, kind, failed_attempts, invalidated_at"

    /// Inserts a password reset.
    public func createPasswordReset(_ reset: PasswordResetRecord) async throws {
        _ = try await self.rows(Self.insertReset, Self.binds(reset))
    }

    static let insertReset = """
        INSERT INTO auth_password_resets (id, user_id, token_hash, expires_at, used, created_at, kind,
            failed_attempts, invalidated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    static func binds(_ reset: PasswordResetRecord) -> [SQLiteData] {
        [
            SQLiteBind.uuid(reset.id), SQLiteBind.uuid(reset.userID), SQLiteBind.bytes(reset.tokenHash),
            SQLiteBind.date(reset.expiresAt), SQLiteBind.bool(reset.used), SQLiteBind.date(reset.createdAt),
            SQLiteBind.text(reset.kind.rawValue), SQLiteBind.int(reset.failedAttempts),
            SQLiteBind.date(reset.invalidatedAt),
        ]
    }

    /// The reset with this token hash, or nil.
    public func passwordReset(tokenHash: [UInt8]) async throws -> PasswordResetRecord? {
        try await self.rows(
            "SELECT \(Self.resetColumns) FROM auth_password_resets WHERE token_hash = ?",
            [SQLiteBind.bytes(tokenHash)]
        ).first.map(Self.decodeReset)
    }

    /// Counts, logs, invalidates and inserts in one write transaction; the same statements run whether or not
    /// there is a reset to insert (the insert then matches nothing).
    public func requestPasswordReset(_ request: PasswordResetRequest) async throws -> PasswordResetRequestOutcome {
        guard request.limit >= 1 else { throw StoreError(.invalidValue, "a request limit is at least 1") }
        let since = request.now.addingTimeInterval(-DurationSeconds.of(request.window))
        let reset = request.reset
        return try await self.withTransaction { store in
            let recent =
                try await store.unlockedRows(
                    "SELECT count(*) AS n FROM auth_password_reset_requests WHERE subject_hash = ? AND requested_at > ?",
                    [SQLiteBind.bytes(request.subjectHash), SQLiteBind.date(since)]
                ).first?.int("n") ?? 0
            guard recent < request.limit else { return .limited }
            _ = try await store.unlockedRows(
                "INSERT INTO auth_password_reset_requests (subject_hash, requested_at) VALUES (?, ?)",
                [SQLiteBind.bytes(request.subjectHash), SQLiteBind.date(request.now)]
            )
            _ = try await store.unlockedRows(
                """
                UPDATE auth_password_resets SET invalidated_at = ?
                WHERE user_id = ? AND used = 0 AND invalidated_at IS NULL
                """,
                [SQLiteBind.date(request.now), SQLiteBind.uuid(reset?.userID)]
            )
            if let reset { _ = try await store.unlockedRows(Self.insertReset, Self.binds(reset)) }
            return .recorded
        }
    }

    /// The user's newest live reset of a kind (the write transaction already excludes other writers).
    public func livePasswordResetForUpdate(userID: UUID, kind: PasswordResetKind, now: Date) async throws
        -> PasswordResetRecord?
    {
        try await self.rows(
            """
            SELECT \(Self.resetColumns) FROM auth_password_resets
            WHERE user_id = ? AND kind = ? AND used = 0 AND invalidated_at IS NULL AND expires_at > ?
            ORDER BY created_at DESC LIMIT 1
            """,
            [SQLiteBind.uuid(userID), SQLiteBind.text(kind.rawValue), SQLiteBind.date(now)]
        ).first.map(Self.decodeReset)
    }

    /// Overwrites a reset's state columns.
    public func updatePasswordReset(_ reset: PasswordResetRecord) async throws {
        let rows = try await self.rows(
            "UPDATE auth_password_resets SET used = ?, failed_attempts = ?, invalidated_at = ? WHERE id = ? RETURNING id",
            [
                SQLiteBind.bool(reset.used), SQLiteBind.int(reset.failedAttempts),
                SQLiteBind.date(reset.invalidatedAt), SQLiteBind.uuid(reset.id),
            ]
        )
        guard !rows.isEmpty else { throw StoreError(.notFound, "no such password reset") }
    }

    /// Consumes a link token with one conditional UPDATE: only the caller whose update flips `used` wins.
    public func consumePasswordReset(tokenHash: [UInt8], now: Date) async throws -> PasswordResetConsumption {
        let updated = try await self.rows(
            """
            UPDATE auth_password_resets SET used = 1
            WHERE token_hash = ? AND kind = 'link' AND used = 0 AND invalidated_at IS NULL AND expires_at > ?
            RETURNING \(Self.resetColumns)
            """,
            [SQLiteBind.bytes(tokenHash), SQLiteBind.date(now)]
        )
        if let row = updated.first {
            return .consumed(try Self.decodeReset(row))
        }
        guard let current = try await self.passwordReset(tokenHash: tokenHash), current.kind == .link else {
            return .notFound
        }
        return PasswordResetConsumption(refusing: current)
    }

    /// Deletes up to `limit` expired resets.
    public func deleteExpiredPasswordResets(before cutoff: Date, limit: Int) async throws -> Int {
        guard limit >= 1 else { throw StoreError(.invalidValue, "the batch limit must be at least 1") }
        return try await self.rows(
            """
            DELETE FROM auth_password_resets WHERE id IN (SELECT id FROM auth_password_resets WHERE expires_at < ? LIMIT ?)
            RETURNING id
            """,
            [SQLiteBind.date(cutoff), SQLiteBind.int(limit)]
        ).count
    }

    /// Deletes old request records, oldest first, a bounded batch.
    public func deletePasswordResetRequests(before cutoff: Date, limit: Int) async throws -> Int {
        try await self.rows(
            """
            DELETE FROM auth_password_reset_requests WHERE id IN (
                SELECT id FROM auth_password_reset_requests WHERE requested_at < ? ORDER BY requested_at LIMIT ?
            ) RETURNING id
            """,
            [SQLiteBind.date(cutoff), SQLiteBind.int(limit)]
        ).count
    }

    static func decodeReset(_ row: SQLiteRowReader) throws -> PasswordResetRecord {
        guard let kind = PasswordResetKind(rawValue: try row.string("kind")) else {
            throw StoreError(.backend, "a stored reset kind is unknown")
        }
        return PasswordResetRecord(
            id: try row.uuid("id"), userID: try row.uuid("user_id"), tokenHash: try row.bytes("token_hash"),
            expiresAt: try row.date("expires_at"), used: try row.bool("used"), createdAt: try row.date("created_at"),
            kind: kind, failedAttempts: try row.int("failed_attempts"),
            invalidatedAt: try row.optionalDate("invalidated_at")
        )
    }
}
