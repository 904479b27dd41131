import Foundation
import PostgresNIO
import TesseraStore

extension PostgresStore {
    /// Appends an entry under the chain head's row lock (`FOR UPDATE`), so appends from every process are linear.
    public func appendAuditEntry(
        _ draft: AuditEntryDraft,
        seal: @Sendable (AuditEntryDraft, AuditChainLink) throws -> AuditSeal
    ) async throws -> AuditEntryRecord {
        try await self.transaction { transaction in
            let rows = try await transaction.rows(
                "SELECT last_id, last_hash FROM tessera.audit_chain_head WHERE id = 1 FOR UPDATE"
            )
            guard let row = rows.first else { throw StoreError(.backend, "the audit chain head row is missing") }
            let (lastID, lastHash) = try Self.decoding { try row.decode((Int64, ByteBuffer).self) }
            let link = AuditChainLink(id: lastID + 1, previousHash: Array(lastHash.readableBytesView))
            let sealed: AuditSeal
            do {
                sealed = try seal(draft, link)
            } catch {
                throw CallerError(error)
            }
            let entry = AuditEntryRecord(
                id: link.id, entity: draft.entity, action: draft.action, actorID: draft.actorID,
                payload: draft.payload, signature: sealed.signature, previousHash: link.previousHash,
                timestamp: draft.timestamp
            )
            try await transaction.rows(
                """
                INSERT INTO audits.audit_log (id, entity, action, actor_id, payload, signature, prev_hash, ts)
                VALUES (\(entry.id), \(entry.entity), \(entry.action), \(entry.actorID),
                    \(JSONColumn.encode(entry.payload))::jsonb, \(ByteBuffer(bytes: entry.signature)),
                    \(ByteBuffer(bytes: entry.previousHash)), \(entry.timestamp))
                """
            )
            try await transaction.rows(
                """
                UPDATE tessera.audit_chain_head
                SET last_id = \(link.id), last_hash = \(ByteBuffer(bytes: sealed.entryHash))
                WHERE id = 1
                """
            )
            return entry
        }
    }

    /// A page of entries in chain order.
    public func auditEntries(after afterID: Int64, limit: Int) async throws -> [AuditEntryRecord] {
        let rows = try await self.rows(
            """
            SELECT id, entity, action, actor_id, payload::text, signature, prev_hash, ts FROM audits.audit_log
            WHERE id > \(afterID) ORDER BY id LIMIT \(limit)
            """
        )
        return try rows.map { row in
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

    /// The link the next entry would get.
    public func auditChainHead() async throws -> AuditChainLink {
        let rows = try await self.rows("SELECT last_id, last_hash FROM tessera.audit_chain_head WHERE id = 1")
        guard let row = rows.first else { throw StoreError(.backend, "the audit chain head row is missing") }
        let (lastID, lastHash) = try Self.decoding { try row.decode((Int64, ByteBuffer).self) }
        return AuditChainLink(id: lastID + 1, previousHash: Array(lastHash.readableBytesView))
    }
}
