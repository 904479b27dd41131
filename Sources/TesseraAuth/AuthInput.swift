import Foundation
import TesseraCrypto

/// The checks every request's fields pass before any database read; each failure is
/// ``AuthError/Code/invalidArgument`` naming the field, never echoing it.
enum AuthInput {
    /// The longest email address accepted (RFC 5321's path limit).
    static let maxEmailBytes = 320
    /// Device description limits: entries, key and value bytes.
    static let maxDeviceEntries = 16
    static let maxDeviceKeyBytes = 64
    static let maxDeviceValueBytes = 512

    /// The email address as stored: lower-cased, checked for one `@`, a dotted domain, no spaces or controls.
    static func email(_ raw: String) throws -> String {
        let email = raw.lowercased()
        let bytes = email.utf8
        guard !bytes.isEmpty, bytes.count <= maxEmailBytes else {
            throw AuthError(.invalidArgument, "the email address is empty or longer than \(maxEmailBytes) bytes")
        }
        guard email.unicodeScalars.allSatisfy({ !$0.properties.isWhitespace && $0.value >= 0x20 && $0.value != 0x7f })
        else {
            throw AuthError(.invalidArgument, "the email address contains a space or a control character")
        }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, let local = parts.first, let domain = parts.last, !local.isEmpty,
            local.utf8.count <= 64, domain.contains("."), !domain.hasPrefix("."), !domain.hasSuffix("."),
            !domain.contains("..")
        else {
            throw AuthError(.invalidArgument, "the email address is malformed")
        }
        return email
    }

    /// The password, checked against the hasher's byte limit (before any hashing).
    static func password(_ password: String, maxBytes: Int, field: String = "password") throws {
        guard !password.isEmpty else { throw AuthError(.invalidArgument, "the \(field) is empty") }
        guard password.utf8.count <= maxBytes else {
            throw AuthError(.invalidArgument, "the \(field) is longer than \(maxBytes) bytes")
        }
    }

    /// The device description, bounded in entries and sizes.
    static func deviceInfo(_ info: [String: String]) throws -> [String: String] {
        guard info.count <= maxDeviceEntries else {
            throw AuthError(.invalidArgument, "the device description has more than \(maxDeviceEntries) entries")
        }
        for (key, value) in info {
            guard !key.isEmpty, key.utf8.count <= maxDeviceKeyBytes, value.utf8.count <= maxDeviceValueBytes else {
                throw AuthError(
                    .invalidArgument,
                    "a device description entry is empty or too long (keys \(maxDeviceKeyBytes), values "
                        + "\(maxDeviceValueBytes) bytes)"
                )
            }
            guard !key.hasPrefix("tessera.") else {
                throw AuthError(.invalidArgument, "device description keys starting with tessera. are reserved")
            }
        }
        return info
    }

    /// A token of `kind`, checked for its prefix and checksum before any database read.
    static func token(_ raw: String, _ kind: TokenKind, field: String) throws -> OpaqueToken {
        do {
            return try OpaqueToken.parse(raw, expecting: kind)
        } catch {
            throw AuthError(.invalidArgument, "the \(field) is malformed (wrong kind, length or checksum)")
        }
    }
}
