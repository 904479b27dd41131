import Foundation
import SQLiteNIO
import TesseraStore

extension SQLiteStore {
    /// The columns ``decodeAuditEntry(_:)`` reads.
    static let entryColumns = "id, entity, action, actor_id, payload, signature, prev_hash, ts"

    /// Appends an entry in one `BEGIN IMMEDIATE` transaction (SQLite's write lock serialises every writer anyway;
    /// no row is shared beyond it).
    public func appendAuditEntry(
        _ draft: AuditEntryDraft,
        seal: @Sendable (AuditEntryDraft, AuditChainLink) throws -> AuditSeal
    ) async throws -> AuditEntryRecord {
        try await self.withTransaction { store in
            try await store.unlockedAppendAuditEntry(draft, seal: seal)
        }
    }

    /// Takes the next id (AUTOINCREMENT's counter + 1, under the write lock, so ids commit in order), seals `draft`
    /// with it and inserts the entry; the caller must hold a write transaction (inside ``withTransaction(_:)``).
    func unlockedAppendAuditEntry(
        _ draft: AuditEntryDraft,
        seal: (AuditEntryDraft, AuditChainLink) throws -> AuditSeal
    ) async throws -> AuditEntryRecord {
        let rows = try await self.unlockedRows(
            """
            SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'audits_audit_log'), 0),
                coalesce((SELECT max(id) FROM audits_audit_log), 0)) + 1 AS next_id
            """,
            []
        )
        guard let row = rows.first else { throw StoreError(.backend, "the audit log's next id could not be read") }
        let (entry, _) = try draft.sealed(at: AuditChainLink(id: Int64(try row.int("next_id"))), with: seal)
        _ = try await self.unlockedRows(
            """
            INSERT INTO audits_audit_log (id, entity, action, actor_id, payload, signature, prev_hash, ts)
            VALUES (?, ?, ?, ?, ?, ?, coalesce(?, x''), ?)
            """,
            [
                SQLiteBind.int64(entry.id), SQLiteBind.text(entry.entity), SQLiteBind.text(entry.action),
                SQLiteBind.uuid(entry.actorID), SQLiteBind.json(entry.payload), SQLiteBind.bytes(entry.signature),
                SQLiteBind.bytes(entry.previousHash), SQLiteBind.date(entry.timestamp),
            ]
        )
        return entry
    }

    /// A page of entries in id order.
    public func auditEntries(after afterID: Int64, limit: Int) async throws -> [AuditEntryRecord] {
        try await self.rows(
            "SELECT \(Self.entryColumns) FROM audits_audit_log WHERE id > ? ORDER BY id LIMIT ?",
            [SQLiteBind.int64(afterID), SQLiteBind.int(limit)]
        ).map(Self.decodeAuditEntry)
    }

    /// The newest committed entry's id + 1.
    public func auditChainHead() async throws -> AuditChainLink {
        let rows = try await self.rows("SELECT coalesce(max(id), 0) AS last_id FROM audits_audit_log", [])
        guard let row = rows.first else { throw StoreError(.backend, "the audit log could not be read") }
        return AuditChainLink(id: Int64(try row.int("last_id")) + 1)
    }

    /// Decodes a row of ``entryColumns``.
    static func decodeAuditEntry(_ row: SQLiteRowReader) throws -> AuditEntryRecord {
        AuditEntryRecord(
            id: Int64(try row.int("id")), entity: try row.string("entity"), action: try row.string("action"),
            actorID: try row.optionalUUID("actor_id"), payload: try row.json("payload"),
            signature: try row.bytes("signature"), previousHash: try row.optionalBytes("prev_hash") ?? [],
            timestamp: try row.date("ts")
        )
    }
}
