import Foundation
import NIOCore
import SQLiteNIO
import TesseraStore

/// Converts Swift values to the SQLite storage classes this schema uses.
///
/// UUIDs are lowercase text, dates integer microseconds since 1970 (PostgreSQL's precision), booleans 0/1,
/// byte strings blobs, JSON columns canonical text.
enum SQLiteBind {
    static func uuid(_ value: UUID) -> SQLiteData { .text(value.uuidString.lowercased()) }
    static func uuid(_ value: UUID?) -> SQLiteData { value.map(Self.uuid) ?? .null }
    static func text(_ value: String) -> SQLiteData { .text(value) }
    static func text(_ value: String?) -> SQLiteData { value.map(SQLiteData.text) ?? .null }
    static func int(_ value: Int) -> SQLiteData { .integer(SQLiteInt64(value)) }
    static func int64(_ value: Int64) -> SQLiteData { .integer(SQLiteInt64(value)) }
    static func bool(_ value: Bool) -> SQLiteData { .integer(value ? 1 : 0) }
    static func bytes(_ value: [UInt8]) -> SQLiteData { .blob(ByteBuffer(bytes: value)) }
    static func bytes(_ value: [UInt8]?) -> SQLiteData { value.map(Self.bytes) ?? .null }
    static func date(_ value: Date) -> SQLiteData { .integer(SQLiteInt64(Self.micros(value))) }
    static func date(_ value: Date?) -> SQLiteData { value.map(Self.date) ?? .null }
    static func json(_ value: [String: String]) -> SQLiteData { .text(JSONColumn.encode(value)) }

    /// Microseconds since 1970 (PostgreSQL's timestamptz precision), rounded to the nearest.
    static func micros(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }
}
