import Foundation
import NIOCore
import SQLiteNIO
import TesseraStore

/// Typed, throwing access to a result row's columns by name.
struct SQLiteRowReader {
    let row: SQLiteRow

    private func value(_ name: String) throws -> SQLiteData {
        guard let value = self.row.column(name) else { throw Self.failure }
        return value
    }

    private static var failure: StoreError { StoreError(.backend, "a stored value could not be decoded") }

    func uuid(_ name: String) throws -> UUID {
        guard let text = try self.value(name).string, let uuid = UUID(uuidString: text) else { throw Self.failure }
        return uuid
    }

    func optionalUUID(_ name: String) throws -> UUID? {
        try self.value(name).isNull ? nil : try self.uuid(name)
    }

    func string(_ name: String) throws -> String {
        guard case .text(let text) = try self.value(name) else { throw Self.failure }
        return text
    }

    func optionalString(_ name: String) throws -> String? {
        try self.value(name).isNull ? nil : try self.string(name)
    }

    func int(_ name: String) throws -> Int {
        guard case .integer(let number) = try self.value(name) else { throw Self.failure }
        return Int(number)
    }

    func optionalInt(_ name: String) throws -> Int? {
        try self.value(name).isNull ? nil : try self.int(name)
    }

    func bool(_ name: String) throws -> Bool {
        try self.int(name) != 0
    }

    func date(_ name: String) throws -> Date {
        Date(timeIntervalSince1970: Double(try self.int(name)) / 1_000_000)
    }

    func optionalDate(_ name: String) throws -> Date? {
        try self.value(name).isNull ? nil : try self.date(name)
    }

    func bytes(_ name: String) throws -> [UInt8] {
        guard case .blob(let buffer) = try self.value(name) else { throw Self.failure }
        return Array(buffer.readableBytesView)
    }

    func optionalBytes(_ name: String) throws -> [UInt8]? {
        try self.value(name).isNull ? nil : try self.bytes(name)
    }

    func json(_ name: String) throws -> [String: String] {
        try JSONColumn.decode(try self.string(name))
    }

    func role(_ name: String) throws -> UserRole {
        guard let role = UserRole(rawValue: try self.string(name)) else { throw Self.failure }
        return role
    }
}
