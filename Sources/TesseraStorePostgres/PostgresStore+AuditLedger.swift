import Foundation
import Logging
import PostgresNIO
import Synchronization
import TesseraStore

extension PostgresStore {
    /// The advisory lock key the sequencer lease holds ("tessera1" in ASCII): one sequencer per database.
    static let sequencerLockKey: Int64 = 0x7465_7373_6572_6131

    /// The columns ``decodeAuditEntry(_:)`` reads, for the audit log aliased `l`.
    static let entryColumns = "l.id, l.entity, l.action, l.actor_id, l.payload::text, l.signature, l.prev_hash, l.ts"

    /// Checkpoints above `treeSize`, smallest first.
    public func auditCheckpoints(after treeSize: Int64, limit: Int) async throws -> [AuditCheckpointRecord] {
        let rows = try await self.rows(
            """
            SELECT tree_size, root_hash, signed_at_ms, signature, settled_id, frontier FROM audits.audit_checkpoints
            WHERE tree_size > \(treeSize) ORDER BY tree_size LIMIT \(limit)
            """
        )
        return try rows.map(Self.decodeCheckpoint)
    }

    /// The newest checkpoint.
    public func latestAuditCheckpoint() async throws -> AuditCheckpointRecord? {
        try await self.rows(PostgresLedgerQueries.latestCheckpoint).first.map(Self.decodeCheckpoint)
    }

    /// Leaves from `index` on with their entries (a LEFT JOIN: a leaf whose entry is gone comes with nil).
    public func auditSequencedEntries(from index: Int64, limit: Int) async throws -> [AuditSequencedEntry] {
        let rows = try await self.rows(
            """
            SELECT s.seq, s.entry_id, s.leaf_hash, \(unescaped: Self.entryColumns)
            FROM audits.audit_sequence s LEFT JOIN audits.audit_log l ON l.id = s.entry_id
            WHERE s.seq >= \(index) ORDER BY s.seq, l.ts LIMIT \(limit)
            """
        )
        return try rows.map { row in
            try Self.decoding {
                let columns = row.makeRandomAccess()
                let leaf = AuditLeafRecord(
                    index: try columns[0].decode(Int64.self), entryID: try columns[1].decode(Int64.self),
                    leafHash: Array(try columns[2].decode(ByteBuffer.self).readableBytesView)
                )
                guard try columns[3].decode(Int64?.self) != nil else {
                    return AuditSequencedEntry(leaf: leaf, entry: nil)
                }
                let (_, _, _, id, entity, action, actorID, payload, signature, previousHash, timestamp) =
                    try row.decode(
                        (Int64, Int64, ByteBuffer, Int64, String, String, UUID?, String, ByteBuffer, ByteBuffer, Date)
                            .self
                    )
                let entry = AuditEntryRecord(
                    id: id, entity: entity, action: action, actorID: actorID, payload: try JSONColumn.decode(payload),
                    signature: Array(signature.readableBytesView), previousHash: Array(previousHash.readableBytesView),
                    timestamp: timestamp
                )
                return AuditSequencedEntry(leaf: leaf, entry: entry)
            }
        }
    }

    /// Stored leaf hashes from `index` on.
    public func auditLeafHashes(from index: Int64, limit: Int) async throws -> [[UInt8]] {
        let rows = try await self.rows(
            "SELECT leaf_hash FROM audits.audit_sequence WHERE seq >= \(index) ORDER BY seq LIMIT \(limit)"
        )
        return try rows.map { row in try Self.decoding { Array(try row.decode(ByteBuffer.self).readableBytesView) } }
    }

    /// The leaf naming `entryID`.
    public func auditLeaf(entryID: Int64) async throws -> AuditLeafRecord? {
        let rows = try await self.rows(
            "SELECT seq, entry_id, leaf_hash FROM audits.audit_sequence WHERE entry_id = \(entryID)"
        )
        return try rows.first.map { row in
            try Self.decoding {
                let (index, entryID, hash) = try row.decode((Int64, Int64, ByteBuffer).self)
                return AuditLeafRecord(index: index, entryID: entryID, leafHash: Array(hash.readableBytesView))
            }
        }
    }

    /// One entry by id.
    public func auditEntry(id: Int64) async throws -> AuditEntryRecord? {
        try await self.rows(
            "SELECT \(unescaped: Self.entryColumns) FROM audits.audit_log l WHERE l.id = \(id) ORDER BY l.ts LIMIT 1"
        ).first.map(Self.decodeAuditEntry)
    }

    /// Committed entries above `afterID` in no leaf.
    public func unsequencedAuditEntries(after afterID: Int64, limit: Int) async throws -> [AuditEntryRecord] {
        try await self.rows(PostgresLedgerQueries.unsequenced(after: afterID, limit: limit)).map(Self.decodeAuditEntry)
    }

    /// The frozen legacy chain head.
    public func auditLegacyChainHead() async throws -> (lastID: Int64, lastHash: [UInt8])? {
        let rows = try await self.rows("SELECT last_id, last_hash FROM tessera.audit_legacy_head WHERE id = 1")
        return try rows.first.map { row in
            try Self.decoding {
                let (lastID, lastHash) = try row.decode((Int64, ByteBuffer).self)
                return (lastID, Array(lastHash.readableBytesView))
            }
        }
    }

    /// Holds the session advisory lock ``sequencerLockKey`` on one pooled connection for `body`.
    ///
    /// The lock is released before the connection goes back to the pool; when that fails the connection is closed
    /// instead, so a lock can never stay behind on an idle pooled connection.
    public func withAuditSequencerLease<Result: Sendable>(
        _ body: @Sendable (any AuditSequencerLease) async throws -> Result
    ) async throws -> Result? {
        do {
            return try await self.client.withConnection { connection -> Result? in
                let taken = try await connection.query(
                    "SELECT pg_try_advisory_lock(\(Self.sequencerLockKey))", logger: self.logger
                ).collect()
                guard try taken.first?.decode(Bool.self) == true else { return nil }
                let lease = PostgresSequencerLease(connection: connection, logger: self.logger)
                do {
                    let result = try await body(lease)
                    await lease.release()
                    return result
                } catch {
                    await lease.release()
                    throw error
                }
            }
        } catch let error as CallerError {
            throw error.underlying
        } catch {
            throw Self.translate(error)
        }
    }

    /// Decodes a checkpoint row.
    static func decodeCheckpoint(_ row: PostgresRow) throws -> AuditCheckpointRecord {
        try Self.decoding {
            let (size, root, milliseconds, signature, settled, frontier) = try row.decode(
                (Int64, ByteBuffer, Int64, ByteBuffer, Int64, ByteBuffer).self
            )
            return AuditCheckpointRecord(
                treeSize: size, rootHash: Array(root.readableBytesView), timestampMilliseconds: milliseconds,
                signature: Array(signature.readableBytesView), settledID: settled,
                frontier: Array(frontier.readableBytesView)
            )
        }
    }
}

/// Queries the store and the lease share.
enum PostgresLedgerQueries {
    static let latestCheckpoint: PostgresQuery = """
        SELECT tree_size, root_hash, signed_at_ms, signature, settled_id, frontier FROM audits.audit_checkpoints
        ORDER BY tree_size DESC LIMIT 1
        """

    /// Entries above `afterID` that no leaf names, in id order (the anti-join uses the leaves' unique entry index).
    static func unsequenced(after afterID: Int64, limit: Int) -> PostgresQuery {
        """
        SELECT \(unescaped: PostgresStore.entryColumns) FROM audits.audit_log l
        WHERE l.id > \(afterID) AND NOT EXISTS (SELECT 1 FROM audits.audit_sequence s WHERE s.entry_id = l.id)
        ORDER BY l.id LIMIT \(limit)
        """
    }
}

/// The sequencer's lease: the connection holding the advisory lock; every statement runs on it.
struct PostgresSequencerLease: AuditSequencerLease {
    let connection: PostgresConnection
    let logger: Logger

    /// How long one statement on the lease may take before the lease gives up its connection.
    static let statementDeadline: Duration = .seconds(10)

    /// Runs one statement on the lease's connection, within ``statementDeadline``.
    ///
    /// A statement sent while the server goes away (a restart, a failover) can wait forever on this connection
    /// (postgres-nio does not fail it when the server ends the session under it; seen with PostgreSQL 15). So the
    /// statement runs in a task of its own that this call stops waiting for at the deadline: the connection is
    /// closed and the call fails, the sequencer gives the lease up (the advisory lock goes with the session) and
    /// takes it again when the database is back. Without this, graceful shutdown waited forever for the sequencer.
    private func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        let connection = self.connection
        let logger = self.logger
        let pending = Mutex<CheckedContinuation<[PostgresRow], any Error>?>(nil)
        let resume: @Sendable (Result<[PostgresRow], any Error>) -> Void = { result in
            pending.withLock { continuation in
                continuation?.resume(with: result)
                continuation = nil
            }
        }
        let deadline = Task {
            try await Task.sleep(for: Self.statementDeadline)
            resume(.failure(StoreError(.backend, "the audit sequencer's connection did not answer")))
            try? await connection.close()
        }
        defer { deadline.cancel() }
        return try await withCheckedThrowingContinuation { continuation in
            pending.withLock { $0 = continuation }
            Task {
                do {
                    resume(.success(try await connection.query(query, logger: logger).collect()))
                } catch {
                    resume(.failure(PostgresStore.translate(error)))
                }
            }
        }
    }

    /// The sequence's last handed-out value, then a fresh transaction id: every transaction that took an id up to
    /// the first had its transaction id before the second was assigned.
    func allocationMarker() async throws -> AuditAllocationMarker {
        let last = try await self.rows(
            "SELECT coalesce(pg_sequence_last_value('audits.audit_log_id_seq'), 0)"
        ).first
        let horizon = try await self.rows("SELECT pg_current_xact_id()::text::int8").first
        guard let last, let horizon else { throw StoreError(.backend, "the allocation marker could not be read") }
        return try PostgresStore.decoding {
            AuditAllocationMarker(
                lastAllocatedID: try last.decode(Int64.self), horizon: try horizon.decode(Int64.self)
            )
        }
    }

    /// Settled once the oldest running transaction is younger than the marker's transaction id.
    func isSettled(_ marker: AuditAllocationMarker) async throws -> Bool {
        let rows = try await self.rows(
            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::int8 > \(marker.horizon)"
        )
        return try PostgresStore.decoding { try rows.first?.decode(Bool.self) ?? false }
    }

    func latestAuditCheckpoint() async throws -> AuditCheckpointRecord? {
        try await self.rows(PostgresLedgerQueries.latestCheckpoint).first.map(PostgresStore.decodeCheckpoint)
    }

    func unsequencedAuditEntries(after afterID: Int64, limit: Int) async throws -> [AuditEntryRecord] {
        try await self.rows(PostgresLedgerQueries.unsequenced(after: afterID, limit: limit))
            .map(PostgresStore.decodeAuditEntry)
    }

    func auditEntries(after afterID: Int64, limit: Int) async throws -> [AuditEntryRecord] {
        try await self.rows(
            """
            SELECT \(unescaped: PostgresStore.entryColumns) FROM audits.audit_log l
            WHERE l.id > \(afterID) ORDER BY l.id LIMIT \(limit)
            """
        ).map(PostgresStore.decodeAuditEntry)
    }

    /// Leaves and checkpoint in one transaction; the primary keys refuse a second writer.
    func appendAuditBatch(_ leaves: [AuditLeafRecord], checkpoint: AuditCheckpointRecord) async throws {
        let indexes = leaves.map(\.index)
        let entries = leaves.map(\.entryID)
        let hashes = leaves.map { ByteBuffer(bytes: $0.leafHash) }
        _ = try await self.rows("BEGIN")
        do {
            _ = try await self.rows(
                """
                INSERT INTO audits.audit_sequence (seq, entry_id, leaf_hash)
                SELECT * FROM unnest(\(indexes)::int8[], \(entries)::int8[], \(hashes)::bytea[])
                """
            )
            _ = try await self.rows(
                """
                INSERT INTO audits.audit_checkpoints
                    (tree_size, root_hash, signed_at_ms, signature, settled_id, frontier)
                VALUES (\(checkpoint.treeSize), \(ByteBuffer(bytes: checkpoint.rootHash)),
                    \(checkpoint.timestampMilliseconds), \(ByteBuffer(bytes: checkpoint.signature)),
                    \(checkpoint.settledID), \(ByteBuffer(bytes: checkpoint.frontier)))
                """
            )
            _ = try await self.rows("COMMIT")
        } catch {
            _ = try? await self.rows("ROLLBACK")
            throw error
        }
    }

    /// Releases the advisory lock, or closes the connection when that fails (the server then releases it).
    func release() async {
        let released = try? await self.rows("SELECT pg_advisory_unlock(\(PostgresStore.sequencerLockKey))")
            .first?.decode(Bool.self)
        if released != true {
            try? await self.connection.close()
        }
    }
}
