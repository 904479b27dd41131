import Foundation
import SQLiteNIO
import TesseraStore

extension SQLiteStore {
    static let checkpointColumns = "tree_size, root_hash, signed_at_ms, signature, settled_id, frontier"

    /// Checkpoints above `treeSize`, smallest first.
    public func auditCheckpoints(after treeSize: Int64, limit: Int) async throws -> [AuditCheckpointRecord] {
        try await self.rows(
            """
            SELECT \(Self.checkpointColumns) FROM audits_audit_checkpoints WHERE tree_size > ?
            ORDER BY tree_size LIMIT ?
            """,
            [SQLiteBind.int64(treeSize), SQLiteBind.int(limit)]
        ).map(Self.decodeCheckpoint)
    }

    /// The newest checkpoint.
    public func latestAuditCheckpoint() async throws -> AuditCheckpointRecord? {
        try await self.rows(
            "SELECT \(Self.checkpointColumns) FROM audits_audit_checkpoints ORDER BY tree_size DESC LIMIT 1", []
        ).first.map(Self.decodeCheckpoint)
    }

    /// Leaves from `index` on with their entries (nil when gone).
    public func auditSequencedEntries(from index: Int64, limit: Int) async throws -> [AuditSequencedEntry] {
        try await self.rows(
            """
            SELECT s.seq, s.entry_id, s.leaf_hash, l.id, l.entity, l.action, l.actor_id, l.payload, l.signature,
                l.prev_hash, l.ts
            FROM audits_audit_sequence s LEFT JOIN audits_audit_log l ON l.id = s.entry_id
            WHERE s.seq >= ? ORDER BY s.seq LIMIT ?
            """,
            [SQLiteBind.int64(index), SQLiteBind.int(limit)]
        ).map { row in
            let leaf = AuditLeafRecord(
                index: Int64(try row.int("seq")), entryID: Int64(try row.int("entry_id")),
                leafHash: try row.bytes("leaf_hash")
            )
            guard try row.optionalInt("id") != nil else { return AuditSequencedEntry(leaf: leaf, entry: nil) }
            return AuditSequencedEntry(leaf: leaf, entry: try Self.decodeAuditEntry(row))
        }
    }

    /// Stored leaf hashes from `index` on.
    public func auditLeafHashes(from index: Int64, limit: Int) async throws -> [[UInt8]] {
        try await self.rows(
            "SELECT leaf_hash FROM audits_audit_sequence WHERE seq >= ? ORDER BY seq LIMIT ?",
            [SQLiteBind.int64(index), SQLiteBind.int(limit)]
        ).map { try $0.bytes("leaf_hash") }
    }

    /// The leaf naming `entryID`.
    public func auditLeaf(entryID: Int64) async throws -> AuditLeafRecord? {
        try await self.rows(
            "SELECT seq, entry_id, leaf_hash FROM audits_audit_sequence WHERE entry_id = ?", [SQLiteBind.int64(entryID)]
        ).first.map { row in
            AuditLeafRecord(
                index: Int64(try row.int("seq")), entryID: Int64(try row.int("entry_id")),
                leafHash: try row.bytes("leaf_hash")
            )
        }
    }

    /// One entry by id.
    public func auditEntry(id: Int64) async throws -> AuditEntryRecord? {
        try await self.rows(
            "SELECT \(Self.entryColumns) FROM audits_audit_log WHERE id = ?", [SQLiteBind.int64(id)]
        ).first.map(Self.decodeAuditEntry)
    }

    /// Committed entries above `afterID` in no leaf.
    public func unsequencedAuditEntries(after afterID: Int64, limit: Int) async throws -> [AuditEntryRecord] {
        try await self.rows(
            """
            SELECT \(Self.entryColumns) FROM audits_audit_log l
            WHERE l.id > ? AND NOT EXISTS (SELECT 1 FROM audits_audit_sequence s WHERE s.entry_id = l.id)
            ORDER BY l.id LIMIT ?
            """,
            [SQLiteBind.int64(afterID), SQLiteBind.int(limit)]
        ).map(Self.decodeAuditEntry)
    }

    /// The frozen legacy chain head.
    public func auditLegacyChainHead() async throws -> (lastID: Int64, lastHash: [UInt8])? {
        try await self.rows("SELECT last_id, last_hash FROM tessera_audit_legacy_head WHERE id = 1", []).first.map {
            (Int64(try $0.int("last_id")), try $0.bytes("last_hash"))
        }
    }

    /// One holder per store: SQLite runs the sequencer in the one process that owns the file.
    public func withAuditSequencerLease<Result: Sendable>(
        _ body: @Sendable (any AuditSequencerLease) async throws -> Result
    ) async throws -> Result? {
        let taken = self.sequencerLeaseHeld.withLock { held in
            if held { return false }
            held = true
            return true
        }
        guard taken else { return nil }
        defer { self.sequencerLeaseHeld.withLock { $0 = false } }
        return try await body(SQLiteSequencerLease(store: self))
    }

    /// Decodes a checkpoint row.
    static func decodeCheckpoint(_ row: SQLiteRowReader) throws -> AuditCheckpointRecord {
        AuditCheckpointRecord(
            treeSize: Int64(try row.int("tree_size")), rootHash: try row.bytes("root_hash"),
            timestampMilliseconds: Int64(try row.int("signed_at_ms")), signature: try row.bytes("signature"),
            settledID: Int64(try row.int("settled_id")), frontier: try row.optionalBytes("frontier") ?? []
        )
    }
}

/// The sequencer's lease on SQLite: the store itself (its write lock serialises the batch with every append).
struct SQLiteSequencerLease: AuditSequencerLease {
    let store: SQLiteStore

    /// Ids are taken under the write lock and commit in order: the newest committed id is the whole story.
    func allocationMarker() async throws -> AuditAllocationMarker {
        AuditAllocationMarker(lastAllocatedID: try await self.store.auditChainHead().id - 1, horizon: 0)
    }

    /// Always: nothing holds an id without holding the write lock.
    func isSettled(_ marker: AuditAllocationMarker) async throws -> Bool { true }

    func latestAuditCheckpoint() async throws -> AuditCheckpointRecord? {
        try await self.store.latestAuditCheckpoint()
    }

    func unsequencedAuditEntries(after afterID: Int64, limit: Int) async throws -> [AuditEntryRecord] {
        try await self.store.unsequencedAuditEntries(after: afterID, limit: limit)
    }

    func auditEntries(after afterID: Int64, limit: Int) async throws -> [AuditEntryRecord] {
        try await self.store.auditEntries(after: afterID, limit: limit)
    }

    /// Leaves and checkpoint in one `BEGIN IMMEDIATE`; the primary keys refuse a second writer.
    func appendAuditBatch(_ leaves: [AuditLeafRecord], checkpoint: AuditCheckpointRecord) async throws {
        try await self.store.withTransaction { store in
            for leaf in leaves {
                _ = try await store.unlockedRows(
                    "INSERT INTO audits_audit_sequence (seq, entry_id, leaf_hash) VALUES (?, ?, ?)",
                    [SQLiteBind.int64(leaf.index), SQLiteBind.int64(leaf.entryID), SQLiteBind.bytes(leaf.leafHash)]
                )
            }
            _ = try await store.unlockedRows(
                """
                INSERT INTO audits_audit_checkpoints (\(SQLiteStore.checkpointColumns)) VALUES (?, ?, ?, ?, ?, ?)
                """,
                [
                    SQLiteBind.int64(checkpoint.treeSize), SQLiteBind.bytes(checkpoint.rootHash),
                    SQLiteBind.int64(checkpoint.timestampMilliseconds), SQLiteBind.bytes(checkpoint.signature),
                    SQLiteBind.int64(checkpoint.settledID), SQLiteBind.bytes(checkpoint.frontier),
                ]
            )
        }
    }
}
