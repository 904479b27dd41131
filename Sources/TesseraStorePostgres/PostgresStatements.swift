import Foundation
import PostgresNIO
import TesseraStore

/// The statements of the hot paths (refresh rotation, audit append), prepared once per pooled connection.
///
/// postgres-nio parses and plans a `PostgresQuery` on every run; a `PostgresPreparedStatement` is parsed on its
/// connection's first use and only bound and executed afterwards. Parameter types are given explicitly, so a first
/// run that binds NULL cannot leave a statement prepared with an unknown type. Values are bound, never spliced.
enum PostgresStatements {
    /// The presented token's row, locked until the transaction ends (concurrent rotations of one token queue here),
    /// and the id of the audit entry that will record what the rotation does, in one round trip.
    ///
    /// The id is taken as ``NextAuditEntryID`` takes it: the `OFFSET 0` subquery gives the transaction its
    /// transaction id before `nextval` runs in the projection, which the sequencer's settledness test relies on
    /// (``AuditAllocationMarker``). The row lock is taken above the projection; a rotation that waits for it and is
    /// rechecked may take a second id, and an outcome that records nothing leaves its id unused: both are gaps,
    /// which the log has anyway (a rolled-back append) and the sequencer skips once they are settled. A hash that
    /// matches no row returns no row and takes no id.
    struct SessionForUpdateTakingEntryID: PostgresPreparedStatement {
        static let sql = """
            SELECT \(PostgresStore.sessionColumns), nextval('audits.audit_log_id_seq')
            FROM auth.sessions, (SELECT pg_current_xact_id() AS xid OFFSET 0) AS xact
            WHERE refresh_token_hash = $1 AND xact.xid IS NOT NULL
            FOR UPDATE OF sessions
            """
        static let bindingDataTypes: [PostgresDataType] = [.bytea]
        typealias Row = (session: SessionRecord, entryID: Int64)

        let hash: [UInt8]

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 1)
            bindings.append(ByteBuffer(bytes: self.hash))
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> (session: SessionRecord, entryID: Int64) {
            let session = try PostgresStore.decodeSession(row)
            let entryID = try PostgresStore.decoding {
                try row.makeRandomAccess()[PostgresStore.sessionColumnCount].decode(Int64.self)
            }
            return (session, entryID)
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

    /// ``RotateSession`` that also inserts the sealed audit entry recording it, in the same statement: one round trip
    /// for all three rows.
    ///
    /// The entry's id was taken by ``SessionForUpdateTakingEntryID`` and is covered by its seal, so the entry is
    /// complete before the statement runs. The entry is selected from the successor's `RETURNING`, so it is
    /// written only if the rotation's rows are; the statement returns the entry's id, or no row when nothing was
    /// written.
    struct RotateSessionAppendingEntry: PostgresPreparedStatement {
        static let sql = """
            WITH old AS (
                UPDATE auth.sessions SET rotated_at = $1, last_used = $1 WHERE id = $2 RETURNING id
            ), successor AS (
                INSERT INTO auth.sessions (id, user_id, refresh_token_hash, expires_at, device_info, created_at,
                    last_used, family_id, parent_id, rotation_counter, rotated_at, revoked_at, family_expires_at)
                SELECT $3, $4, $5, $6, $7::jsonb, $8, NULL, $9, old.id, $10, NULL, NULL, $11 FROM old
                RETURNING id
            )
            INSERT INTO audits.audit_log (id, entity, action, actor_id, payload, signature, prev_hash, ts)
            SELECT $12, $13, $14, $15, $16::jsonb, $17, $18, $19 FROM successor
            RETURNING id
            """
        static let bindingDataTypes = RotationBindings.types + AppendAuditEntry.bindingDataTypes
        typealias Row = Int64

        let bindings: RotationBindings
        let entry: AuditEntryRecord

        func makeBindings() throws -> PostgresBindings {
            var bindings = self.bindings.make()
            AppendAuditEntry.append(self.entry, to: &bindings)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Int64 { try row.decode(Int64.self) }
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

    /// Takes the next entry id for an append, after giving the transaction a transaction id.
    ///
    /// The `OFFSET 0` subquery's row is produced, and filtered on its column, before the outer projection runs, so
    /// `pg_current_xact_id()` (which assigns the transaction its id if it has none yet) happens before `nextval`:
    /// every transaction holding an unsettled entry id is visible to the sequencer's horizon test
    /// (``AuditAllocationMarker``). The filter matters: a subquery column the outer query does not use is dropped
    /// by the planner, and the function with it.
    struct NextAuditEntryID: PostgresPreparedStatement {
        static let sql = """
            SELECT nextval('audits.audit_log_id_seq')
            FROM (SELECT pg_current_xact_id() AS xid OFFSET 0) AS xact WHERE xact.xid IS NOT NULL
            """
        typealias Row = Int64

        func makeBindings() throws -> PostgresBindings { PostgresBindings() }
        func decodeRow(_ row: PostgresRow) throws -> Int64 { try row.decode(Int64.self) }
    }

    /// Inserts a sealed entry: one row, no shared state.
    struct AppendAuditEntry: PostgresPreparedStatement {
        static let sql = """
            INSERT INTO audits.audit_log (id, entity, action, actor_id, payload, signature, prev_hash, ts)
            VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8)
            """
        static let bindingDataTypes: [PostgresDataType] = [
            .int8, .text, .text, .uuid, .text, .bytea, .bytea, .timestamptz,
        ]
        typealias Row = ()

        let entry: AuditEntryRecord

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 8)
            Self.append(self.entry, to: &bindings)
            return bindings
        }

        /// Appends the entry's eight values, in the column order of the statement's `INSERT`.
        static func append(_ entry: AuditEntryRecord, to bindings: inout PostgresBindings) {
            bindings.append(entry.id)
            bindings.append(entry.entity)
            bindings.append(entry.action)
            if let actorID = entry.actorID {
                bindings.append(actorID)
            } else {
                bindings.appendNull()
            }
            bindings.append(JSONColumn.encode(entry.payload))
            bindings.append(ByteBuffer(bytes: entry.signature))
            bindings.append(ByteBuffer(bytes: entry.previousHash))
            bindings.append(entry.timestamp)
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
