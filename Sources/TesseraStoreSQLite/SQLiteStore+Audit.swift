import Foundation
import SQLiteNIO
import TesseraStore

extension SQLiteStore {
    /// Appends an entry in one `BEGIN IMMEDIATE` transaction (SQLite's write lock serialises appenders).
    public func appendAuditEntry(
        _ draft: AuditEntryDraft,
        seal: @Sendable (AuditEntryDraft, AuditChainLink) throws -> AuditSeal
    ) async throws -> AuditEntryRecord {
        try await self.withTransaction { store in
            try await store.unlockedAppendAuditEntry(draft, seal: seal)
        }
    }

    /// Reads the head, seals `draft` after it, inserts the entry and moves the head; the caller must hold a write
    /// transaction (inside ``withTransaction(_:)``).
    func unlockedAppendAuditEntry(
        _ draft: AuditEntryDraft,
        seal: (AuditEntryDraft, AuditChainLink) throws -> AuditSeal
    ) async throws -> AuditEntryRecord {
        let rows = try await self.unlockedRows(
            "SELECT last_id, last_hash FROM tessera_audit_chain_head WHERE id = 1", [])
        guard let row = rows.first else { throw StoreError(.backend, "the audit chain head row is missing") }
        let link = AuditChainLink(id: Int64(try row.int("last_id")) + 1, previousHash: try row.bytes("last_hash"))
        let (entry, sealed) = try draft.sealed(at: link, with: seal)
        _ = try await self.unlockedRows(
            """
            INSERT INTO audits_audit_log (id, entity, action, actor_id, payload, signature, prev_hash, ts)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                SQLiteBind.int64(entry.id), SQLiteBind.text(entry.entity), SQLiteBind.text(entry.action),
                SQLiteBind.uuid(entry.actorID), SQLiteBind.json(entry.payload), SQLiteBind.bytes(entry.signature),
                SQLiteBind.bytes(entry.previousHash), SQLiteBind.date(entry.timestamp),
            ]
        )
        _ = try await self.unlockedRows(
            "UPDATE tessera_audit_chain_head SET last_id = ?, last_hash = ? WHERE id = 1",
            [SQLiteBind.int64(link.id), SQLiteBind.bytes(sealed.entryHash)]
        )
        return entry
    }

    /// A page of entries in chain order.
    public func auditEntries(after afterID: Int64, limit: Int) async throws -> [AuditEntryRecord] {
        try await self.rows(
            """
            SELECT id, entity, action, actor_id, payload, signature, prev_hash, ts FROM audits_audit_log
            WHERE id > ? ORDER BY id LIMIT ?
            """,
            [SQLiteBind.int64(afterID), SQLiteBind.int(limit)]
        ).map { row in
            AuditEntryRecord(
                id: Int64(try row.int("id")), entity: try row.string("entity"), action: try row.string("action"),
                actorID: try row.optionalUUID("actor_id"), payload: try row.json("payload"),
                signature: try row.bytes("signature"), previousHash: try row.bytes("prev_hash"),
                timestamp: try row.date("ts")
            )
        }
    }

    /// The link the next entry would get.
    public func auditChainHead() async throws -> AuditChainLink {
        let rows = try await self.rows("SELECT last_id, last_hash FROM tessera_audit_chain_head WHERE id = 1", [])
        guard let row = rows.first else { throw StoreError(.backend, "the audit chain head row is missing") }
        return AuditChainLink(id: Int64(try row.int("last_id")) + 1, previousHash: try row.bytes("last_hash"))
    }

    /// The first entry above the head, in one statement (writers are serialised, so it sees one state).
    public func firstAuditEntryBeyondChainHead() async throws -> Int64? {
        let rows = try await self.rows(
            """
            SELECT min(id) AS first_id FROM audits_audit_log
            WHERE id > (SELECT last_id FROM tessera_audit_chain_head WHERE id = 1)
            """,
            []
        )
        guard let row = rows.first, let id = try row.optionalInt("first_id") else { return nil }
        return Int64(id)
    }
}
