import Foundation
import PostgresNIO
import TesseraStore

@testable import TesseraStorePostgres
@testable import TesseraStoreSQLite

/// Every value of every text-like or binary column of every table of a store's database, read as bytes.
///
/// Tables and columns come from the database's own catalog — `information_schema.columns` on PostgreSQL,
/// `sqlite_master` and `PRAGMA table_info` on SQLite — so a table or column added later is scanned without
/// changing this code.
struct SecretScanDatabase {
    /// One stored value and where it is.
    struct Cell {
        /// `schema.table.column` (PostgreSQL) or `table.column` (SQLite).
        let column: String
        /// The value: bytea/blob as stored, text and json as their UTF-8 text.
        let bytes: [UInt8]

        /// The value as stored, plus, when it holds JSON-escaped slashes (`\/`, as JSON encoders write them), the
        /// value with them unescaped: a base64 secret inside a JSON string must be found too.
        static func forms(column: String, bytes: [UInt8]) -> [Cell] {
            let escaped = Array("\\/".utf8)
            guard bytes.containsBytes(escaped) else { return [Cell(column: column, bytes: bytes)] }
            var unescaped: [UInt8] = []
            var index = 0
            while index < bytes.count {
                if index + 1 < bytes.count && bytes[index] == escaped[0] && bytes[index + 1] == escaped[1] {
                    index += 1
                }
                unescaped.append(bytes[index])
                index += 1
            }
            return [Cell(column: column, bytes: bytes), Cell(column: column, bytes: unescaped)]
        }
    }

    /// The columns scanned, `schema.table.column` / `table.column`.
    let columns: [String]
    /// Every non-null value of those columns.
    let cells: [Cell]

    /// Reads the whole database behind `store` (a ``PostgresStore`` or an ``SQLiteStore``).
    static func read(_ store: any TesseraStore) async throws -> SecretScanDatabase {
        if let store = store as? PostgresStore {
            return try await Self.read(postgres: store)
        }
        if let store = store as? SQLiteStore {
            return try await Self.read(sqlite: store)
        }
        throw StoreError(.invalidConfiguration, "unknown store type")
    }

    /// PostgreSQL: every column of type text, varchar, char, bytea, json or jsonb in every table and view outside
    /// the system schemas (partitions of the audit log included).
    private static func read(postgres store: PostgresStore) async throws -> SecretScanDatabase {
        let catalog = try await store.rows(
            """
            SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns
            WHERE table_schema NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
                AND data_type IN ('text', 'character varying', 'character', 'bytea', 'json', 'jsonb')
            ORDER BY table_schema, table_name, column_name
            """
        )
        var columns: [String] = []
        var cells: [Cell] = []
        for row in catalog {
            let (schema, table, column, type) = try row.decode((String, String, String, String).self)
            let name = "\(schema).\(table).\(column)"
            columns.append(name)
            let quoted = "\(Self.quote(schema)).\(Self.quote(table))"
            let value = type == "bytea" ? Self.quote(column) : "convert_to(\(Self.quote(column))::text, 'UTF8')"
            let values = try await store.rows(
                PostgresQuery(unsafeSQL: "SELECT \(value) FROM \(quoted) WHERE \(Self.quote(column)) IS NOT NULL")
            )
            for value in values {
                let buffer = try value.decode(ByteBuffer.self)
                cells += Cell.forms(column: name, bytes: Array(buffer.readableBytesView))
            }
        }
        return SecretScanDatabase(columns: columns, cells: cells)
    }

    /// SQLite: every column of every table, values of storage class TEXT or BLOB (SQLite's types are per value, so
    /// the declared type is not trusted).
    private static func read(sqlite store: SQLiteStore) async throws -> SecretScanDatabase {
        let tables = try await store.rows("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", [])
        var columns: [String] = []
        var cells: [Cell] = []
        for table in try tables.map({ try $0.string("name") }) {
            let info = try await store.rows("PRAGMA table_info(\(Self.quote(table)))", [])
            for column in try info.map({ try $0.string("name") }) {
                let name = "\(table).\(column)"
                columns.append(name)
                let values = try await store.rows(
                    """
                    SELECT CAST(\(Self.quote(column)) AS BLOB) AS v FROM \(Self.quote(table))
                    WHERE typeof(\(Self.quote(column))) IN ('text', 'blob') AND length(\(Self.quote(column))) > 0
                    """,
                    []
                )
                for value in values {
                    cells += Cell.forms(column: name, bytes: try value.bytes("v"))
                }
            }
        }
        return SecretScanDatabase(columns: columns, cells: cells)
    }

    /// A double-quoted SQL identifier (names come from the catalog, never from a test value).
    private static func quote(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Where each form of `secret` occurs: `(form, column)` pairs, empty when it is nowhere.
    func occurrences(of secret: ScannedSecret) -> [(form: String, column: String)] {
        var found: [(form: String, column: String)] = []
        for (form, needle) in secret.needles {
            for cell in self.cells where cell.bytes.containsBytes(needle) {
                found.append((form, cell.column))
            }
        }
        return found
    }
}
