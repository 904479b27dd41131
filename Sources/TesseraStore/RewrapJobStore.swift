import Foundation

/// The server-driven rewrap's single row (``RewrapJobRecord``) and its lease.
///
/// One of the narrow protocols ``TesseraStore`` is composed of. The lease is a row condition, not a session lock,
/// so it works the same on PostgreSQL and SQLite and survives nothing it should not: a process that dies stops
/// renewing it, and another takes the rewrap over once it has expired. Two processes that both believe they hold
/// it (clocks far apart) do no harm: every row is replaced by a compare-and-swap and ``saveRewrapJob(_:owner:)``
/// fails for the one that lost.
public protocol RewrapJobStore: Sendable {

    /// The rewrap, if one was ever started.
    func rewrapJob() async throws -> RewrapJobRecord?

    /// Starts a rewrap: stores `record` in place of a finished one (or of none).
    /// - Returns: False, and nothing changed, when a rewrap is running or paused.
    func startRewrapJob(_ record: RewrapJobRecord) async throws -> Bool

    /// Takes (or renews) the lease of a running rewrap for `owner` until `leaseUntil`, when nobody else holds an
    /// unexpired one at `now`.
    /// - Returns: The rewrap as stored with the lease, or nil when it is not running or someone else holds it.
    func claimRewrapJob(owner: String, now: Date, leaseUntil: Date) async throws -> RewrapJobRecord?

    /// Saves the progress (state, target, total, cursor, counts, lease) of the rewrap `owner` holds the lease of; in a ``TransactionStore``
    /// transaction with the batch it counts.
    /// - Returns: False, and nothing changed, when `owner` no longer holds the lease or the rewrap is not running.
    func saveRewrapJob(_ record: RewrapJobRecord, owner: String) async throws -> Bool

    /// Moves the rewrap from state `from` to `to` and drops its lease (pause: running → paused; resume: paused →
    /// running).
    /// - Returns: The rewrap as stored afterwards, or nil when it was not in state `from`.
    func changeRewrapJobState(from: RewrapJobRecord.State, to: RewrapJobRecord.State, now: Date) async throws
        -> RewrapJobRecord?
}
