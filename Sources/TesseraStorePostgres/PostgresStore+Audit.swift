import Foundation
import PostgresNIO
import TesseraStore

extension PostgresStore {
    /// Appends an entry under the chain head's row lock (`FOR UPDATE`), so appends from every process are linear.
    ///
    /// Four round trips: BEGIN, lock and read the head, insert the entry and move the head (one statement), COMMIT.
    public func appendAuditEntry(
        _ draft: AuditEntryDraft,
        seal: @Sendable (AuditEntryDraft, AuditChainLink) throws -> AuditSeal
    ) async throws -> AuditEntryRecord {
        try await self.withTransaction { transaction in
            let link = try await Self.lockAuditChainHead(in: transaction)
            return try await Self.appendAuditEntry(draft, at: link, seal: seal, in: transaction)
        }
    }

    /// Locks the chain head for the rest of `transaction` and returns the link the next entry gets.
    static func lockAuditChainHead(in transaction: PostgresTransaction) async throws -> AuditChainLink {
        guard let link = try await transaction.execute(PostgresStatements.LockChainHead()).first else {
            throw StoreError(.backend, "the audit chain head row is missing")
        }
        return link
    }

    /// Seals `draft` at `link` (the head must be locked by `transaction`), inserts it and moves the head.
    static func appendAuditEntry(
        _ draft: AuditEntryDraft,
        at link: AuditChainLink,
        seal: (AuditEntryDraft, AuditChainLink) throws -> AuditSeal,
        in transaction: PostgresTransaction
    ) async throws -> AuditEntryRecord {
        let (entry, sealed) = try draft.sealed(at: link, with: seal)
        try await transaction.execute(PostgresStatements.AppendAuditEntry(entry: entry, entryHash: sealed.entryHash))
        return entry
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

    /// The first entry above the head, in one statement (so one snapshot: a concurrent append is seen whole or not).
    public func firstAuditEntryBeyondChainHead() async throws -> Int64? {
        let rows = try await self.rows(
            """
            SELECT min(id) FROM audits.audit_log
            WHERE id > (SELECT last_id FROM tessera.audit_chain_head WHERE id = 1)
            """
        )
        guard let row = rows.first else { return nil }
        return try Self.decoding { try row.decode(Int64?.self) }
    }
}
