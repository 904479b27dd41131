import Foundation
import PostgresNIO
import TesseraStore

extension PostgresStore {
    private static let rewrapColumns: PostgresQuery = """
        SELECT state, target_version, phase, cursor, passes, total, processed, rewrapped, skipped, failed, batches,
            batch_size, pause_ms, owner, lease_until, requested_by, started_at, updated_at, finished_at
        FROM tessera.keyring_rewrap WHERE id = 1
        """

    /// The rewrap row, if any.
    public func rewrapJob() async throws -> RewrapJobRecord? {
        try await self.rows(Self.rewrapColumns).first.map(Self.rewrapJob(from:))
    }

    /// Inserts the rewrap, or replaces a finished one, with one conditional upsert.
    public func startRewrapJob(_ record: RewrapJobRecord) async throws -> Bool {
        let rows = try await self.rows(
            """
            INSERT INTO tessera.keyring_rewrap AS r (id, state, target_version, phase, cursor, passes, total, processed,
                rewrapped, skipped, failed, batches, batch_size, pause_ms, owner, lease_until, requested_by,
                started_at, updated_at, finished_at)
            VALUES (1, \(record.state.rawValue), \(record.targetVersion), \(record.phase.rawValue), \(record.cursor),
                \(record.passes), \(record.total), \(record.processed), \(record.rewrapped), \(record.skipped),
                \(record.failed), \(record.batches), \(record.batchSize), \(record.pauseMilliseconds), \(record.owner),
                \(record.leaseUntil), \(record.requestedBy), \(record.startedAt), \(record.updatedAt),
                \(record.finishedAt))
            ON CONFLICT (id) DO UPDATE SET state = excluded.state, target_version = excluded.target_version,
                phase = excluded.phase, cursor = excluded.cursor, passes = excluded.passes, total = excluded.total,
                processed = excluded.processed, rewrapped = excluded.rewrapped, skipped = excluded.skipped,
                failed = excluded.failed, batches = excluded.batches, batch_size = excluded.batch_size,
                pause_ms = excluded.pause_ms, owner = excluded.owner, lease_until = excluded.lease_until,
                requested_by = excluded.requested_by, started_at = excluded.started_at,
                updated_at = excluded.updated_at, finished_at = excluded.finished_at
            WHERE r.state = 'finished'
            RETURNING id
            """
        )
        return !rows.isEmpty
    }

    /// Takes the lease with one conditional UPDATE.
    public func claimRewrapJob(owner: String, now: Date, leaseUntil: Date) async throws -> RewrapJobRecord? {
        let rows = try await self.rows(
            """
            UPDATE tessera.keyring_rewrap SET owner = \(owner), lease_until = \(leaseUntil)
            WHERE id = 1 AND state = 'running'
                AND (owner IS NULL OR owner = \(owner) OR lease_until IS NULL OR lease_until < \(now))
            RETURNING state, target_version, phase, cursor, passes, total, processed, rewrapped, skipped, failed,
                batches, batch_size, pause_ms, owner, lease_until, requested_by, started_at, updated_at, finished_at
            """
        )
        return try rows.first.map(Self.rewrapJob(from:))
    }

    /// Saves progress with one UPDATE conditional on the lease.
    public func saveRewrapJob(_ record: RewrapJobRecord, owner: String) async throws -> Bool {
        let rows = try await self.rows(
            """
            UPDATE tessera.keyring_rewrap SET state = \(record.state.rawValue), phase = \(record.phase.rawValue),
                target_version = \(record.targetVersion), total = \(record.total),
                cursor = \(record.cursor), passes = \(record.passes), processed = \(record.processed),
                rewrapped = \(record.rewrapped), skipped = \(record.skipped), failed = \(record.failed),
                batches = \(record.batches), owner = \(record.owner), lease_until = \(record.leaseUntil),
                updated_at = \(record.updatedAt), finished_at = \(record.finishedAt)
            WHERE id = 1 AND state = 'running' AND owner = \(owner)
            RETURNING id
            """
        )
        return !rows.isEmpty
    }

    /// Changes the state with one conditional UPDATE, dropping the lease.
    public func changeRewrapJobState(from: RewrapJobRecord.State, to: RewrapJobRecord.State, now: Date) async throws
        -> RewrapJobRecord?
    {
        let rows = try await self.rows(
            """
            UPDATE tessera.keyring_rewrap SET state = \(to.rawValue), owner = NULL, lease_until = NULL,
                updated_at = \(now)
            WHERE id = 1 AND state = \(from.rawValue)
            RETURNING state, target_version, phase, cursor, passes, total, processed, rewrapped, skipped, failed,
                batches, batch_size, pause_ms, owner, lease_until, requested_by, started_at, updated_at, finished_at
            """
        )
        return try rows.first.map(Self.rewrapJob(from:))
    }

    private static func rewrapJob(from row: PostgresRow) throws -> RewrapJobRecord {
        let columns = try Self.decoding {
            try row.decode(
                (
                    String, Int, String, UUID?, Int, Int64, Int64, Int64, Int64, Int64, Int64, Int, Int, String?,
                    Date?, String, Date, Date, Date?
                ).self
            )
        }
        guard let state = RewrapJobRecord.State(rawValue: columns.0),
            let phase = RewrapJobRecord.Phase(rawValue: columns.2)
        else {
            throw StoreError(.backend, "a stored rewrap state is unknown")
        }
        var record = RewrapJobRecord(
            targetVersion: columns.1, total: columns.5, batchSize: columns.11, pauseMilliseconds: columns.12,
            requestedBy: columns.15, now: columns.16
        )
        record.state = state
        record.phase = phase
        record.cursor = columns.3
        record.passes = columns.4
        record.processed = columns.6
        record.rewrapped = columns.7
        record.skipped = columns.8
        record.failed = columns.9
        record.batches = columns.10
        record.owner = columns.13
        record.leaseUntil = columns.14
        record.updatedAt = columns.17
        record.finishedAt = columns.18
        return record
    }
}
