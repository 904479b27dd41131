import Foundation

/// Users (`auth.users`): accounts, their password hashes, lockout counters.
///
/// One of the narrow protocols ``TesseraStore`` is composed of: a flow, and its in-memory fake, depends only on the
/// parts it uses. Every method is a single atomic unit against the database.
public protocol UserStore: Sendable {

    /// Inserts a user.
    /// - Throws: ``StoreError/Code/duplicateEmail``, ``StoreError/Code/invalidValue`` (malformed email).
    func createUser(_ user: UserRecord) async throws

    /// The user with this id, or nil.
    func user(id: UUID) async throws -> UserRecord?

    /// The user with this id, locked against concurrent writers until the enclosing ``TransactionStore/
    /// transaction(_:)`` ends (`FOR UPDATE` on PostgreSQL; SQLite's write transaction already excludes them), or
    /// nil. The primitive under read-decide-write steps such as the lockout: outside a transaction it is a read.
    func userForUpdate(id: UUID) async throws -> UserRecord?

    /// The user with this (normalised) email address, or nil.
    func user(email: String) async throws -> UserRecord?

    /// A page of users ordered by email (byte order, the same on every backend), for operators' listings.
    ///
    /// Keyset pagination: pass the last email of one page as `after` to get the next, so a page costs the same
    /// wherever it starts and rows added meanwhile are neither skipped nor repeated.
    /// - Parameters:
    ///   - after: Only users whose email sorts strictly after this one; nil for the first page.
    ///   - limit: The most users returned (1 or more).
    /// - Returns: Up to `limit` users, in ascending email order.
    /// - Throws: ``StoreError/Code/invalidValue`` for a limit below 1.
    func users(after: String?, limit: Int) async throws -> [UserRecord]

    /// Overwrites every column of an existing user except `id` and `createdAt`.
    /// - Throws: ``StoreError/Code/notFound``, ``StoreError/Code/duplicateEmail``.
    func updateUser(_ user: UserRecord) async throws

    /// Atomically adds one failed login and, when the count reaches `lockThreshold`, sets `locked_until` to
    /// `now + lockDuration`. Returns the new count.
    /// - Throws: ``StoreError/Code/notFound``.
    func recordFailedLogin(userID: UUID, now: Date, lockThreshold: Int, lockDuration: Duration) async throws -> Int

    /// Records a successful login: `last_login = now`, failures reset, lock cleared.
    /// - Throws: ``StoreError/Code/notFound``.
    func recordSuccessfulLogin(userID: UUID, now: Date) async throws

    /// Deletes a user and (by cascade) everything that belongs to them. Returns whether a row was deleted.
    func deleteUser(id: UUID) async throws -> Bool
}
