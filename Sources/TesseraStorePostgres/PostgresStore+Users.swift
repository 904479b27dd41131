import Foundation
import PostgresNIO
import TesseraStore

extension PostgresStore {
    /// The fixed column list of user reads (a constant, never a value).
    static let selectUser = """
        SELECT id, email, password_hash, role, verified, totp_secret, created_at, updated_at, last_login,
            failed_login_attempts, locked_until, settings::text, last_failed_login, temporary_lockouts, disabled_at
        FROM auth.users
        """

    /// Inserts a user.
    public func createUser(_ user: UserRecord) async throws {
        try await self.rows(
            """
            INSERT INTO auth.users (id, email, password_hash, role, verified, totp_secret, created_at, updated_at,
                last_login, failed_login_attempts, locked_until, settings, last_failed_login, temporary_lockouts,
                disabled_at)
            VALUES (\(user.id), \(user.email), \(user.passwordHash), \(user.role.rawValue), \(user.verified),
                \(user.sealedTOTPSecret.map { ByteBuffer(bytes: $0) }), \(user.createdAt), \(user.updatedAt),
                \(user.lastLogin), \(user.failedLoginAttempts), \(user.lockedUntil),
                \(JSONColumn.encode(user.settings))::jsonb, \(user.lastFailedLogin), \(user.temporaryLockouts),
                \(user.disabledAt))
            """
        )
    }

    /// The user with this id, or nil.
    public func user(id: UUID) async throws -> UserRecord? {
        try await self.rows("\(unescaped: Self.selectUser) WHERE id = \(id)").first.map(Self.decodeUser)
    }

    /// The user with this id, its row locked `FOR UPDATE` until the enclosing transaction ends.
    public func userForUpdate(id: UUID) async throws -> UserRecord? {
        try await self.rows("\(unescaped: Self.selectUser) WHERE id = \(id) FOR UPDATE").first.map(Self.decodeUser)
    }

    /// The user with this email, or nil.
    public func user(email: String) async throws -> UserRecord? {
        try await self.rows("\(unescaped: Self.selectUser) WHERE email = \(email)").first.map(Self.decodeUser)
    }

    /// A page of users by email in byte order (`COLLATE "C"`, as SQLite compares), strictly after `after`.
    public func users(after: String?, limit: Int) async throws -> [UserRecord] {
        guard limit >= 1 else { throw StoreError(.invalidValue, "a page holds at least one user") }
        let rows: [PostgresRow]
        if let after {
            rows = try await self.rows(
                """
                \(unescaped: Self.selectUser) WHERE email COLLATE "C" > \(after) ORDER BY email COLLATE "C"
                LIMIT \(limit)
                """
            )
        } else {
            rows = try await self.rows("\(unescaped: Self.selectUser) ORDER BY email COLLATE \"C\" LIMIT \(limit)")
        }
        return try rows.map(Self.decodeUser)
    }

    /// Overwrites an existing user's columns except `id` and `created_at`.
    public func updateUser(_ user: UserRecord) async throws {
        let rows = try await self.rows(
            """
            UPDATE auth.users SET email = \(user.email), password_hash = \(user.passwordHash),
                role = \(user.role.rawValue), verified = \(user.verified),
                totp_secret = \(user.sealedTOTPSecret.map { ByteBuffer(bytes: $0) }), updated_at = \(user.updatedAt),
                last_login = \(user.lastLogin), failed_login_attempts = \(user.failedLoginAttempts),
                locked_until = \(user.lockedUntil), settings = \(JSONColumn.encode(user.settings))::jsonb,
                last_failed_login = \(user.lastFailedLogin), temporary_lockouts = \(user.temporaryLockouts),
                disabled_at = \(user.disabledAt)
            WHERE id = \(user.id) RETURNING id
            """
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
            UPDATE auth.users SET failed_login_attempts = failed_login_attempts + 1, updated_at = \(now),
                locked_until = CASE WHEN failed_login_attempts + 1 >= \(lockThreshold) THEN \(lockedUntil)
                    ELSE locked_until END
            WHERE id = \(userID) RETURNING failed_login_attempts
            """
        )
        guard let row = rows.first else { throw StoreError(.notFound, "no such user") }
        return try Self.decoding { try row.decode(Int.self) }
    }

    /// Records a successful login.
    public func recordSuccessfulLogin(userID: UUID, now: Date) async throws {
        let rows = try await self.rows(
            """
            UPDATE auth.users SET last_login = \(now), failed_login_attempts = 0, locked_until = NULL,
                updated_at = \(now)
            WHERE id = \(userID) RETURNING id
            """
        )
        guard !rows.isEmpty else { throw StoreError(.notFound, "no such user") }
    }

    /// Deletes a user (cascading).
    public func deleteUser(id: UUID) async throws -> Bool {
        try await !self.rows("DELETE FROM auth.users WHERE id = \(id) RETURNING id").isEmpty
    }

    static func decodeUser(_ row: PostgresRow) throws -> UserRecord {
        try Self.decoding {
            let (
                id, email, passwordHash, role, verified, totp, createdAt, updatedAt, lastLogin, failures, lockedUntil,
                settings, lastFailedLogin, temporaryLockouts, disabledAt
            ) = try row.decode(
                (
                    UUID, String, String, String, Bool, ByteBuffer?, Date, Date, Date?, Int, Date?, String, Date?,
                    Int, Date?
                ).self
            )
            guard let role = UserRole(rawValue: role) else {
                throw StoreError(.backend, "a stored role is unknown")
            }
            return UserRecord(
                id: id, email: email, passwordHash: passwordHash, role: role, verified: verified,
                sealedTOTPSecret: totp.map { Array($0.readableBytesView) }, createdAt: createdAt,
                updatedAt: updatedAt, lastLogin: lastLogin, failedLoginAttempts: failures, lockedUntil: lockedUntil,
                lastFailedLogin: lastFailedLogin, temporaryLockouts: temporaryLockouts, disabledAt: disabledAt,
                settings: try JSONColumn.decode(settings)
            )
        }
    }

    /// Runs a decoding closure, turning decoding failures into ``StoreError`` without their (value-bearing) text.
    static func decoding<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw Self.translate(error)
        }
    }
}
