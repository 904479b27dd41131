import Foundation
import PostgresNIO
import TesseraStore

/// The statements of the hot paths (refresh rotation, audit append), prepared once per pooled connection.
///
/// postgres-nio parses and plans a `PostgresQuery` on every run; a `PostgresPreparedStatement` is parsed on its
/// connection's first use and only bound and executed afterwards. Parameter types are given explicitly, so a first
/// run that binds NULL cannot leave a statement prepared with an unknown type. Values are bound, never spliced.
enum PostgresStatements {
    /// The presented token's row, locked until the transaction ends: concurrent rotations of one token queue here.
    struct SessionForUpdate: PostgresPreparedStatement {
        static let sql = PostgresStore.selectSession + " WHERE refresh_token_hash = $1 FOR UPDATE"
        static let bindingDataTypes: [PostgresDataType] = [.bytea]
        typealias Row = SessionRecord

        let hash: [UInt8]

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 1)
            bindings.append(ByteBuffer(bytes: self.hash))
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> SessionRecord {
            try PostgresStore.decodeSession(row)
        }
    }

    /// Marks the presented row rotated and inserts its successor, in one statement.
    ///
    /// The INSERT reads the UPDATE's `RETURNING`, so the old row leaves the "one current token per family" index
    /// before the successor enters it (data-modifying CTEs otherwise run in no defined order).
    struct RotateSession: PostgresPreparedStatement {
        static let sql = """
            WITH old AS (
                UPDATE auth.sessions SET rotated_at = $1, last_used = $1 WHERE id = $2 RETURNING id
            )
            INSERT INTO auth.sessions (id, user_id, refresh_token_hash, expires_at, device_info, created_at, last_used,
                family_id, parent_id, rotation_counter, rotated_at, revoked_at, family_expires_at)
            SELECT $3, $4, $5, $6, $7::jsonb, $8, NULL, $9, old.id, $10, NULL, NULL, $11 FROM old
            """
        static let bindingDataTypes = RotationBindings.types
        typealias Row = ()

        let bindings: RotationBindings

        func makeBindings() throws -> PostgresBindings { self.bindings.make() }
        func decodeRow(_ row: PostgresRow) throws {}
    }

    /// ``RotateSession`` that then locks the audit chain head and returns the link the audit entry gets.
    ///
    /// Joining the head with the successor's `RETURNING` makes the session writes happen before the head is
    /// locked: the head, which every audited operation waits for, is always the last lock a transaction takes (so
    /// no deadlock with a family revocation waiting for this family's rows), and it is held for one round trip
    /// (the entry's insert) and the COMMIT. `FOR UPDATE` under READ COMMITTED returns the head's latest version
    /// once the lock is granted.
    struct RotateSessionLockingChainHead: PostgresPreparedStatement {
        static let sql = """
            WITH old AS (
                UPDATE auth.sessions SET rotated_at = $1, last_used = $1 WHERE id = $2 RETURNING id
            ), successor AS (
                INSERT INTO auth.sessions (id, user_id, refresh_token_hash, expires_at, device_info, created_at,
                    last_used, family_id, parent_id, rotation_counter, rotated_at, revoked_at, family_expires_at)
                SELECT $3, $4, $5, $6, $7::jsonb, $8, NULL, $9, old.id, $10, NULL, NULL, $11 FROM old
                RETURNING id
            )
            SELECT head.last_id, head.last_hash FROM tessera.audit_chain_head AS head, successor
            WHERE head.id = 1 FOR UPDATE OF head
            """
        static let bindingDataTypes = RotationBindings.types
        typealias Row = AuditChainLink

        let bindings: RotationBindings

        func makeBindings() throws -> PostgresBindings { self.bindings.make() }
        func decodeRow(_ row: PostgresRow) throws -> AuditChainLink { try LockChainHead.link(row) }
    }

    /// The values of a rotation's writes: the presented row's id, the time, and the successor's columns.
    struct RotationBindings: Sendable {
        static let types: [PostgresDataType] = [
            .timestamptz, .uuid, .uuid, .uuid, .bytea, .timestamptz, .text, .timestamptz, .uuid, .int8, .timestamptz,
        ]

        let now: Date
        let oldID: UUID
        let successor: SessionRecord

        func make() -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 11)
            bindings.append(self.now)
            bindings.append(self.oldID)
            bindings.append(self.successor.id)
            bindings.append(self.successor.userID)
            bindings.append(ByteBuffer(bytes: self.successor.refreshTokenHash))
            bindings.append(self.successor.expiresAt)
            bindings.append(JSONColumn.encode(self.successor.deviceInfo))
            bindings.append(self.successor.createdAt)
            bindings.append(self.successor.familyID)
            bindings.append(Int64(self.successor.rotationCounter))
            bindings.append(self.successor.familyExpiresAt)
            return bindings
        }
    }

    /// Locks the audit chain head (the single row every append serialises on) and returns the next link.
    struct LockChainHead: PostgresPreparedStatement {
        static let sql = "SELECT last_id, last_hash FROM tessera.audit_chain_head WHERE id = 1 FOR UPDATE"
        typealias Row = AuditChainLink

        func makeBindings() throws -> PostgresBindings { PostgresBindings() }
        func decodeRow(_ row: PostgresRow) throws -> AuditChainLink { try Self.link(row) }

        /// The link after the head row `(last_id, last_hash)`.
        static func link(_ row: PostgresRow) throws -> AuditChainLink {
            let (lastID, lastHash) = try row.decode((Int64, ByteBuffer).self)
            return AuditChainLink(id: lastID + 1, previousHash: Array(lastHash.readableBytesView))
        }
    }

    /// Inserts a sealed entry and moves the chain head to it, in one statement (the head is already locked).
    struct AppendAuditEntry: PostgresPreparedStatement {
        static let sql = """
            WITH entry AS (
                INSERT INTO audits.audit_log (id, entity, action, actor_id, payload, signature, prev_hash, ts)
                VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8)
                RETURNING id
            )
            UPDATE tessera.audit_chain_head SET last_id = (SELECT id FROM entry), last_hash = $9 WHERE id = 1
            """
        static let bindingDataTypes: [PostgresDataType] = [
            .int8, .text, .text, .uuid, .text, .bytea, .bytea, .timestamptz, .bytea,
        ]
        typealias Row = ()

        let entry: AuditEntryRecord
        let entryHash: [UInt8]

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 9)
            bindings.append(self.entry.id)
            bindings.append(self.entry.entity)
            bindings.append(self.entry.action)
            if let actorID = self.entry.actorID {
                bindings.append(actorID)
            } else {
                bindings.appendNull()
            }
            bindings.append(JSONColumn.encode(self.entry.payload))
            bindings.append(ByteBuffer(bytes: self.entry.signature))
            bindings.append(ByteBuffer(bytes: self.entry.previousHash))
            bindings.append(self.entry.timestamp)
            bindings.append(ByteBuffer(bytes: self.entryHash))
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws {}
    }

    /// `BEGIN`, prepared like the statements it brackets.
    struct Begin: PostgresPreparedStatement {
        static let sql = "BEGIN"
        typealias Row = ()
        func makeBindings() throws -> PostgresBindings { PostgresBindings() }
        func decodeRow(_ row: PostgresRow) throws {}
    }

    /// `COMMIT`, prepared like the statements it ends.
    struct Commit: PostgresPreparedStatement {
        static let sql = "COMMIT"
        typealias Row = ()
        func makeBindings() throws -> PostgresBindings { PostgresBindings() }
        func decodeRow(_ row: PostgresRow) throws {}
    }
}
