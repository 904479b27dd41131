import Foundation

/// The store's unit of work: several operations, on any of the narrow stores, committed together or not at all.
///
/// A flow that changes state and records it writes both through the transaction it is handed, so the audit entry
/// exists if and only if the change committed:
///
/// ```swift
/// try await store.transaction { tx in
///     guard let user = try await tx.lockUser(id: id) else { return .unknown }
///     try await tx.updateUser(decided(user))
///     try await audit.append(entity: "user", action: "user.locked", actorID: id, in: tx)
///     return .locked
/// }
/// ```
///
/// `tx` is the whole store bound to one database transaction (one PostgreSQL connection inside BEGIN … COMMIT; on
/// SQLite one `BEGIN IMMEDIATE`). Every operation called on it runs in that transaction, including those that open
/// a transaction of their own (they join this one). It must not escape `body`.
public protocol TransactionStore: Sendable {

    /// Runs `body` in one transaction: COMMIT when it returns, ROLLBACK when it throws.
    ///
    /// The body's own errors reach the caller unchanged; a database failure is a ``StoreError``. On PostgreSQL a
    /// failed statement aborts the transaction, so a body that catches a ``StoreError`` from `tx` must not go on
    /// using `tx`: let it end the transaction, and record what is left to record in a new one. Keep slow work
    /// (password hashing, network calls) out of `body`: row locks are held until it returns.
    /// - Parameter body: The work, over the store bound to the transaction.
    /// - Returns: What `body` returns, once committed.
    func transaction<Result: Sendable>(
        _ body: @Sendable (any TesseraStore) async throws -> Result
    ) async throws -> Result
}
