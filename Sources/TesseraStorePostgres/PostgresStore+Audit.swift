import Foundation
import PostgresNIO
import TesseraStore

extension PostgresStore {
    /// Appends an entry in a transaction of its own (or the caller's): take an id, seal, insert. Nothing shared is
    /// locked, so appenders on every replica run in parallel.
    ///
    /// Four round trips on its own (BEGIN, the id, the insert, COMMIT); two inside a caller's transaction.
    public func appendAuditEntry(
        _ draft: AuditEntryDraft,
        seal: @Sendable (AuditEntryDraft, AuditChainLink) throws -> AuditSeal
    ) async throws -> AuditEntryRecord {
        try await self.withTransaction { transaction in
            let id = try await Self.nextAuditEntryID(in: transaction)
            return try await Self.appendAuditEntry(draft, id: id, seal: seal, in: transaction)
        }
    }

    /// Takes the next entry id inside `transaction` (see ``PostgresStatements/NextAuditEntryID``).
    static func nextAuditEntryID(in transaction: PostgresTransaction) async throws -> Int64 {
        guard let id = try await transaction.execute(PostgresStatements.NextAuditEntryID()).first else {
            throw StoreError(.backend, "the audit log's sequence returned no id")
        }
        return id
    }

    /// Seals `draft` with entry id `id` and inserts it.
    static func appendAuditEntry(
        _ draft: AuditEntryDraft,
        id: Int64,
        seal: (AuditEntryDraft, AuditChainLink) throws -> AuditSeal,
        in transaction: PostgresTransaction
    ) async throws -> AuditEntryRecord {
        let (entry, _) = try draft.sealed(at: AuditChainLink(id: id), with: seal)
        try await transaction.execute(PostgresStatements.AppendAuditEntry(entry: entry))
        return entry
    }

    /// A page of entries in id order.
    public func auditEntries(after afterID: Int64, limit: Int) async throws -> [AuditEntryRecord] {
        let rows = try await self.rows(
            """
            SELECT id, entity, action, actor_id, payload::text, signature, prev_hash, ts FROM audits.audit_log
            WHERE id > \(afterID) ORDER BY id LIMIT \(limit)
            """
        )
        return try rows.map(Self.decodeAuditEntry)
    }

    /// The newest committed entry's id + 1.
    public func auditChainHead() async throws -> AuditChainLink {
        let rows = try await self.rows("SELECT coalesce(max(id), 0) FROM audits.audit_log")
        guard let row = rows.first else { throw StoreError(.backend, "the audit log could not be read") }
        return AuditChainLink(id: try Self.decoding { try row.decode(Int64.self) } + 1)
    }

    /// Decodes rows of ``entryColumns``.
    static func decodeAuditEntry(_ row: PostgresRow) throws -> AuditEntryRecord {
        try Self.decoding {
            let (id, entity, action, actorID, payload, signature, previousHash, timestamp) = try row.decode(
                (Int64, String, String, UUID?, String, ByteBuffer, ByteBuffer, Date).self
            )
            return AuditEntryRecord(
                id: id, entity: entity, action: action, actorID: actorID, payload: try JSONColumn.decode(payload),
                signature: Array(signature.readableBytesView), previousHash: Array(previousHash.readableBytesView),
                timestamp: timestamp
            )
        }
    }
}
