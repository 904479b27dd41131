import Foundation
import SQLiteNIO
import TesseraStore

extension SQLiteStore {
    private static let rewrapReturning = """
        state, target_version, phase, cursor, passes, total, processed, rewrapped, skipped, failed, batches,
        batch_size, pause_ms, owner, lease_until, requested_by, started_at, updated_at, finished_at
        """

    /// The rewrap row, if any.
    public func rewrapJob() async throws -> RewrapJobRecord? {
        try await self.rows("SELECT \(Self.rewrapReturning) FROM tessera_keyring_rewrap WHERE id = 1", [])
            .first.map(Self.rewrapJob(from:))
    }

    /// Inserts the rewrap, or replaces a finished one, with one conditional upsert.
    public func startRewrapJob(_ record: RewrapJobRecord) async throws -> Bool {
        let rows = try await self.rows(
            """
            INSERT INTO tessera_keyring_rewrap (id, state, target_version, phase, cursor, passes, total, processed,
                rewrapped, skipped, failed, batches, batch_size, pause_ms, owner, lease_until, requested_by,
                started_at, updated_at, finished_at)
            VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET state = excluded.state, target_version = excluded.target_version,
                phase = excluded.phase, cursor = excluded.cursor, passes = excluded.passes, total = excluded.total,
                processed = excluded.processed, rewrapped = excluded.rewrapped, skipped = excluded.skipped,
                failed = excluded.failed, batches = excluded.batches, batch_size = excluded.batch_size,
                pause_ms = excluded.pause_ms, owner = excluded.owner, lease_until = excluded.lease_until,
                requested_by = excluded.requested_by, started_at = excluded.started_at,
                updated_at = excluded.updated_at, finished_at = excluded.finished_at
            WHERE tessera_keyring_rewrap.state = 'finished'
            RETURNING id
            """,
            [
                SQLiteBind.text(record.state.rawValue), SQLiteBind.int(record.targetVersion),
                SQLiteBind.text(record.phase.rawValue), SQLiteBind.uuid(record.cursor), SQLiteBind.int(record.passes),
                SQLiteBind.int64(record.total), SQLiteBind.int64(record.processed), SQLiteBind.int64(record.rewrapped),
                SQLiteBind.int64(record.skipped), SQLiteBind.int64(record.failed), SQLiteBind.int64(record.batches),
                SQLiteBind.int(record.batchSize), SQLiteBind.int(record.pauseMilliseconds),
                SQLiteBind.text(record.owner), SQLiteBind.date(record.leaseUntil), SQLiteBind.text(record.requestedBy),
                SQLiteBind.date(record.startedAt), SQLiteBind.date(record.updatedAt),
                SQLiteBind.date(record.finishedAt),
            ]
        )
        return !rows.isEmpty
    }

    /// Takes the lease with one conditional UPDATE.
    public func claimRewrapJob(owner: String, now: Date, leaseUntil: Date) async throws -> RewrapJobRecord? {
        try await self.rows(
            """
            UPDATE tessera_keyring_rewrap SET owner = ?, lease_until = ?
            WHERE id = 1 AND state = 'running'
                AND (owner IS NULL OR owner = ? OR lease_until IS NULL OR lease_until < ?)
            RETURNING \(Self.rewrapReturning)
            """,
            [SQLiteBind.text(owner), SQLiteBind.date(leaseUntil), SQLiteBind.text(owner), SQLiteBind.date(now)]
        ).first.map(Self.rewrapJob(from:))
    }

    /// Saves progress with one UPDATE conditional on the lease.
    public func saveRewrapJob(_ record: RewrapJobRecord, owner: String) async throws -> Bool {
        let rows = try await self.rows(
            """
            UPDATE tessera_keyring_rewrap SET state = ?, phase = ?, target_version = ?, total = ?, cursor = ?,
                passes = ?, processed = ?,
                rewrapped = ?, skipped = ?, failed = ?, batches = ?, owner = ?, lease_until = ?, updated_at = ?,
                finished_at = ?
            WHERE id = 1 AND state = 'running' AND owner = ?
            RETURNING id
            """,
            [
                SQLiteBind.text(record.state.rawValue), SQLiteBind.text(record.phase.rawValue),
                SQLiteBind.int(record.targetVersion), SQLiteBind.int64(record.total), SQLiteBind.uuid(record.cursor),
                SQLiteBind.int(record.passes), SQLiteBind.int64(record.processed),
                SQLiteBind.int64(record.rewrapped), SQLiteBind.int64(record.skipped), SQLiteBind.int64(record.failed),
                SQLiteBind.int64(record.batches), SQLiteBind.text(record.owner), SQLiteBind.date(record.leaseUntil),
                SQLiteBind.date(record.updatedAt), SQLiteBind.date(record.finishedAt), SQLiteBind.text(owner),
            ]
        )
        return !rows.isEmpty
    }

    /// Changes the state with one conditional UPDATE, dropping the lease.
    public func changeRewrapJobState(from: RewrapJobRecord.State, to: RewrapJobRecord.State, now: Date) async throws
        -> RewrapJobRecord?
    {
        try await self.rows(
            """
            UPDATE tessera_keyring_rewrap SET state = ?, owner = NULL, lease_until = NULL, updated_at = ?
            WHERE id = 1 AND state = ?
            RETURNING \(Self.rewrapReturning)
            """,
            [SQLiteBind.text(to.rawValue), SQLiteBind.date(now), SQLiteBind.text(from.rawValue)]
        ).first.map(Self.rewrapJob(from:))
    }

    private static func rewrapJob(from row: SQLiteRowReader) throws -> RewrapJobRecord {
        guard let state = RewrapJobRecord.State(rawValue: try row.string("state")),
            let phase = RewrapJobRecord.Phase(rawValue: try row.string("phase"))
        else {
            throw StoreError(.backend, "a stored rewrap state is unknown")
        }
        var record = RewrapJobRecord(
            targetVersion: try row.int("target_version"), total: Int64(try row.int("total")),
            batchSize: try row.int("batch_size"), pauseMilliseconds: try row.int("pause_ms"),
            requestedBy: try row.string("requested_by"), now: try row.date("started_at")
        )
        record.state = state
        record.phase = phase
        record.cursor = try row.optionalUUID("cursor")
        record.passes = try row.int("passes")
        record.processed = Int64(try row.int("processed"))
        record.rewrapped = Int64(try row.int("rewrapped"))
        record.skipped = Int64(try row.int("skipped"))
        record.failed = Int64(try row.int("failed"))
        record.batches = Int64(try row.int("batches"))
        record.owner = try row.optionalString("owner")
        record.leaseUntil = try row.optionalDate("lease_until")
        record.updatedAt = try row.date("updated_at")
        record.finishedAt = try row.optionalDate("finished_at")
        return record
    }
}
