import Foundation
import PostgresNIO
import TesseraStore

extension PostgresStore {
    /// The fixed column list of reset reads (a constant, never a value).
    static let resetColumns =
        "id, user_id, token_hash, expires_at, used, created_at, kind, failed_attempts, invalidated_at"
    static let selectReset = "SELECT \(resetColumns) FROM auth.password_resets"

    /// Inserts a password reset.
    public func createPasswordReset(_ reset: PasswordResetRecord) async throws {
        try await self.rows(
            """
            INSERT INTO auth.password_resets (id, user_id, token_hash, expires_at, used, created_at, kind,
                failed_attempts, invalidated_at)
            VALUES (\(reset.id), \(reset.userID), \(ByteBuffer(bytes: reset.tokenHash)), \(reset.expiresAt),
                \(reset.used), \(reset.createdAt), \(reset.kind.rawValue), \(reset.failedAttempts),
                \(reset.invalidatedAt))
            """
        )
    }

    /// The reset with this token hash, or nil.
    public func passwordReset(tokenHash: [UInt8]) async throws -> PasswordResetRecord? {
        try await self.rows(
            "\(unescaped: Self.selectReset) WHERE token_hash = \(ByteBuffer(bytes: tokenHash))"
        ).first.map(Self.decodeReset)
    }

    /// Counts, logs, invalidates and inserts in ONE statement (data-modifying CTEs), whether or not there is a
    /// reset to insert: the same round trip and plan for an address with an account and one without.
    ///
    /// Two concurrent requests for one subject can both see `limit - 1` and both pass: the limit is a rate limit,
    /// exact to within the requests in flight at once.
    public func requestPasswordReset(_ request: PasswordResetRequest) async throws -> PasswordResetRequestOutcome {
        guard request.limit >= 1 else { throw StoreError(.invalidValue, "a request limit is at least 1") }
        let since = request.now.addingTimeInterval(-DurationSeconds.of(request.window))
        let reset = request.reset
        let rows = try await self.rows(
            """
            WITH recent AS (
                SELECT count(*) AS n FROM auth.password_reset_requests
                WHERE subject_hash = \(ByteBuffer(bytes: request.subjectHash)) AND requested_at > \(since)
            ), admitted AS (
                SELECT 1 FROM recent WHERE n < \(request.limit)
            ), logged AS (
                INSERT INTO auth.password_reset_requests (subject_hash, requested_at)
                SELECT \(ByteBuffer(bytes: request.subjectHash)), \(request.now) FROM admitted
                RETURNING 1
            ), invalidated AS (
                UPDATE auth.password_resets SET invalidated_at = \(request.now)
                WHERE user_id = \(reset?.userID)::uuid AND used = false AND invalidated_at IS NULL
                    AND EXISTS (SELECT 1 FROM admitted)
                RETURNING 1
            ), created AS (
                INSERT INTO auth.password_resets (id, user_id, token_hash, expires_at, used, created_at, kind)
                SELECT \(reset?.id)::uuid, \(reset?.userID)::uuid,
                    \(reset.map { ByteBuffer(bytes: $0.tokenHash) })::bytea, \(reset?.expiresAt)::timestamptz,
                    false, \(request.now), \(reset?.kind.rawValue ?? PasswordResetKind.link.rawValue)
                FROM admitted WHERE \(reset?.userID)::uuid IS NOT NULL
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM logged) AS logged
            """
        )
        let logged = try rows.first.map { row in try Self.decoding { try row.decode(Int.self) } } ?? 0
        return logged == 1 ? .recorded : .limited
    }

    /// The user's newest live reset of a kind, `FOR UPDATE`.
    public func livePasswordResetForUpdate(userID: UUID, kind: PasswordResetKind, now: Date) async throws
        -> PasswordResetRecord?
    {
        try await self.rows(
            """
            \(unescaped: Self.selectReset)
            WHERE user_id = \(userID) AND kind = \(kind.rawValue) AND used = false AND invalidated_at IS NULL
                AND expires_at > \(now)
            ORDER BY created_at DESC LIMIT 1 FOR UPDATE
            """
        ).first.map(Self.decodeReset)
    }

    /// Overwrites a reset's state columns.
    public func updatePasswordReset(_ reset: PasswordResetRecord) async throws {
        let rows = try await self.rows(
            """
            UPDATE auth.password_resets
            SET used = \(reset.used), failed_attempts = \(reset.failedAttempts), invalidated_at = \(reset.invalidatedAt)
            WHERE id = \(reset.id) RETURNING id
            """
        )
        guard !rows.isEmpty else { throw StoreError(.notFound, "no such password reset") }
    }

    /// Consumes a link token with one conditional UPDATE: only the caller whose update flips `used` wins.
    public func consumePasswordReset(tokenHash: [UInt8], now: Date) async throws -> PasswordResetConsumption {
        let hash = ByteBuffer(bytes: tokenHash)
        let updated = try await self.rows(
            """
            UPDATE auth.password_resets SET used = true
            WHERE token_hash = \(hash) AND kind = 'link' AND used = false AND invalidated_at IS NULL
                AND expires_at > \(now)
            RETURNING \(unescaped: Self.resetColumns)
            """
        )
        if let row = updated.first {
            return .consumed(try Self.decodeReset(row))
        }
        guard let current = try await self.passwordReset(tokenHash: tokenHash), current.kind == .link else {
            return .notFound
        }
        return PasswordResetConsumption(refusing: current)
    }

    /// Deletes up to `limit` expired resets, skipping rows another transaction holds.
    public func deleteExpiredPasswordResets(before cutoff: Date, limit: Int) async throws -> Int {
        guard limit >= 1 else { throw StoreError(.invalidValue, "the batch limit must be at least 1") }
        return try await self.rows(
            """
            DELETE FROM auth.password_resets WHERE id IN (
                SELECT id FROM auth.password_resets WHERE expires_at < \(cutoff) LIMIT \(limit) FOR UPDATE SKIP LOCKED
            ) RETURNING id
            """
        ).count
    }

    /// Deletes old request records, oldest first, a bounded batch.
    public func deletePasswordResetRequests(before cutoff: Date, limit: Int) async throws -> Int {
        try await self.rows(
            """
            DELETE FROM auth.password_reset_requests WHERE id IN (
                SELECT id FROM auth.password_reset_requests WHERE requested_at < \(cutoff)
                ORDER BY requested_at LIMIT \(limit)
            ) RETURNING id
            """
        ).count
    }

    static func decodeReset(_ row: PostgresRow) throws -> PasswordResetRecord {
        try Self.decoding {
            let (id, userID, hash, expiresAt, used, createdAt, kind, failures, invalidatedAt) = try row.decode(
                (UUID, UUID, ByteBuffer, Date, Bool, Date, String, Int, Date?).self
            )
            guard let kind = PasswordResetKind(rawValue: kind) else {
                throw StoreError(.backend, "a stored reset kind is unknown")
            }
            return PasswordResetRecord(
                id: id, userID: userID, tokenHash: Array(hash.readableBytesView), expiresAt: expiresAt, used: used,
                createdAt: createdAt, kind: kind, failedAttempts: failures, invalidatedAt: invalidatedAt
            )
        }
    }
}
