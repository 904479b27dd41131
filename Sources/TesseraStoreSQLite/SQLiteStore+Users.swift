import Foundation
import SQLiteNIO
import TesseraStore

extension SQLiteStore {
    static let selectUser = """
        SELECT id, email, password_hash, role, verified, totp_secret, created_at, updated_at, last_login,
            failed_login_attempts, locked_until, settings, last_failed_login, temporary_lockouts, disabled_at
        FROM auth_users
        """

    /// Inserts a user.
    public func createUser(_ user: UserRecord) async throws {
        _ = try await self.rows(
            """
            INSERT INTO auth_users (id, email, password_hash, role, verified, totp_secret, created_at, updated_at,
                last_login, failed_login_attempts, locked_until, settings, last_failed_login, temporary_lockouts,
                disabled_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                SQLiteBind.uuid(user.id), SQLiteBind.text(user.email), SQLiteBind.text(user.passwordHash),
                SQLiteBind.text(user.role.rawValue), SQLiteBind.bool(user.verified),
                SQLiteBind.bytes(user.sealedTOTPSecret), SQLiteBind.date(user.createdAt),
                SQLiteBind.date(user.updatedAt), SQLiteBind.date(user.lastLogin),
                SQLiteBind.int(user.failedLoginAttempts),
                SQLiteBind.date(user.lockedUntil), SQLiteBind.json(user.settings),
                SQLiteBind.date(user.lastFailedLogin), SQLiteBind.int(user.temporaryLockouts),
                SQLiteBind.date(user.disabledAt),
            ]
        )
    }

    /// The user with this id, or nil.
    public func user(id: UUID) async throws -> UserRecord? {
        try await self.rows(Self.selectUser + " WHERE id = ?", [SQLiteBind.uuid(id)]).first.map(Self.decodeUser)
    }

    /// The user with this id (inside a transaction, `BEGIN IMMEDIATE` already excludes every other writer).
    public func userForUpdate(id: UUID) async throws -> UserRecord? {
        try await self.user(id: id)
    }

    /// The user with this email, or nil.
    public func user(email: String) async throws -> UserRecord? {
        try await self.rows(Self.selectUser + " WHERE email = ?", [SQLiteBind.text(email)]).first.map(Self.decodeUser)
    }

    /// A page of users by email in byte order (SQLite's BINARY collation), strictly after `after`.
    public func users(after: String?, limit: Int) async throws -> [UserRecord] {
        guard limit >= 1 else { throw StoreError(.invalidValue, "a page holds at least one user") }
        let rows =
            if let after {
                try await self.rows(
                    Self.selectUser + " WHERE email > ? ORDER BY email LIMIT ?",
                    [SQLiteBind.text(after), SQLiteBind.int(limit)]
                )
            } else {
                try await self.rows(Self.selectUser + " ORDER BY email LIMIT ?", [SQLiteBind.int(limit)])
            }
        return try rows.map(Self.decodeUser)
    }

    /// Overwrites an existing user's columns except `id` and `created_at`.
    public func updateUser(_ user: UserRecord) async throws {
        let rows = try await self.rows(
            """
            UPDATE auth_users SET email = ?, password_hash = ?, role = ?, verified = ?, totp_secret = ?,
                updated_at = ?, last_login = ?, failed_login_attempts = ?, locked_until = ?, settings = ?,
                last_failed_login = ?, temporary_lockouts = ?, disabled_at = ?
            WHERE id = ? RETURNING id
            """,
            [
                SQLiteBind.text(user.email), SQLiteBind.text(user.passwordHash), SQLiteBind.text(user.role.rawValue),
                SQLiteBind.bool(user.verified), SQLiteBind.bytes(user.sealedTOTPSecret),
                SQLiteBind.date(user.updatedAt),
                SQLiteBind.date(user.lastLogin), SQLiteBind.int(user.failedLoginAttempts),
                SQLiteBind.date(user.lockedUntil), SQLiteBind.json(user.settings),
                SQLiteBind.date(user.lastFailedLogin), SQLiteBind.int(user.temporaryLockouts),
                SQLiteBind.date(user.disabledAt), SQLiteBind.uuid(user.id),
            ]
        )
        guard !rows.isEmpty else { throw StoreError(.notFound, "no such user") }
    }

    /// Adds one failed login atomically, locking the account at the threshold.
    public func recordFailedLogin(
        userID: UUID,
        now: Date,
        lockThreshold: Int,
        lockDuration: Duration
    ) async throws -> Int {
        let lockedUntil = now.addingTimeInterval(DurationSeconds.of(lockDuration))
        let rows = try await self.rows(
            """
            UPDATE auth_users SET failed_login_attempts = failed_login_attempts + 1, updated_at = ?,
                locked_until = CASE WHEN failed_login_attempts + 1 >= ? THEN ? ELSE locked_until END
            WHERE id = ? RETURNING failed_login_attempts
            """,
            [
                SQLiteBind.date(now), SQLiteBind.int(lockThreshold), SQLiteBind.date(lockedUntil),
                SQLiteBind.uuid(userID),
            ]
        )
        guard let row = rows.first else { throw StoreError(.notFound, "no such user") }
        return try row.int("failed_login_attempts")
    }

    /// Records a successful login.
    public func recordSuccessfulLogin(userID: UUID, now: Date) async throws {
        let rows = try await self.rows(
            """
            UPDATE auth_users SET last_login = ?, failed_login_attempts = 0, locked_until = NULL, updated_at = ?
            WHERE id = ? RETURNING id
            """,
            [SQLiteBind.date(now), SQLiteBind.date(now), SQLiteBind.uuid(userID)]
        )
        guard !rows.isEmpty else { throw StoreError(.notFound, "no such user") }
    }

    /// Deletes a user (cascading).
    public func deleteUser(id: UUID) async throws -> Bool {
        try await !self.rows("DELETE FROM auth_users WHERE id = ? RETURNING id", [SQLiteBind.uuid(id)]).isEmpty
    }

    static func decodeUser(_ row: SQLiteRowReader) throws -> UserRecord {
        UserRecord(
            id: try row.uuid("id"), email: try row.string("email"), passwordHash: try row.string("password_hash"),
            role: try row.role("role"), verified: try row.bool("verified"),
            sealedTOTPSecret: try row.optionalBytes("totp_secret"), createdAt: try row.date("created_at"),
            updatedAt: try row.date("updated_at"), lastLogin: try row.optionalDate("last_login"),
            failedLoginAttempts: try row.int("failed_login_attempts"),
            lockedUntil: try row.optionalDate("locked_until"),
            lastFailedLogin: try row.optionalDate("last_failed_login"),
            temporaryLockouts: try row.int("temporary_lockouts"), disabledAt: try row.optionalDate("disabled_at"),
            settings: try row.json("settings")
        )
    }
}
