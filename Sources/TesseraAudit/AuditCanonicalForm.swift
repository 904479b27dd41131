internal import Crypto
import Foundation
import TesseraStore

/// The exact bytes an audit entry's hash, signature and Merkle leaf cover (documented in `docs/audit.md`).
///
/// Format 2 (every entry written since the tree replaced the chain; its stored `prev_hash` is empty):
/// ```
/// u8  format = 2
/// i64 id                         big-endian
/// i64 ts                         milliseconds since 1970-01-01T00:00:00Z, big-endian
/// lp  entity                     UTF-8
/// lp  action                     UTF-8
/// lp  actor                      the UUID's 16 bytes, or empty
/// lp  payload                    canonical JSON (see below)
/// ```
/// Format 1 (the legacy hash chain) is the same with `format = 1` and a last field:
/// ```
/// u8  format = 1
/// i64 id                         big-endian
/// i64 ts                         milliseconds since 1970-01-01T00:00:00Z, big-endian
/// lp  entity                     UTF-8
/// lp  action                     UTF-8
/// lp  actor                      the UUID's 16 bytes, or empty
/// lp  payload                    canonical JSON (see below)
/// lp  prev_hash                  32 bytes
/// ```
/// where `lp(x)` is a big-endian `u32` length followed by `x`. The canonical JSON of the payload is `{`, the
/// fields sorted by their names' UTF-8 bytes as `"name":"value"` joined by `,`, then `}`; no whitespace; in
/// strings `"` and `\` are escaped with a backslash and bytes below 0x20 as `\u00XX`, every other character is
/// its UTF-8 bytes.
///
/// `signature = HMAC-SHA256(audit key, canonical)`. In the legacy chain, `entry_hash = SHA-256(canonical)` and the
/// next entry's `prev_hash` is this entry's `entry_hash` (32 zero bytes for the first entry).
public enum AuditCanonicalForm {
    /// The legacy chain's format byte.
    public static let format: UInt8 = 1
    /// The format byte of entries that are not chained (the tree's).
    public static let unchainedFormat: UInt8 = 2
    /// The previous hash of the first entry.
    public static let genesisHash = [UInt8](repeating: 0, count: 32)

    /// The canonical bytes of an entry.
    ///
    /// - Parameters:
    ///   - id: The entry's id.
    ///   - timestamp: When it happened (whole milliseconds are taken, rounding to the nearest).
    ///   - entity: The entity.
    ///   - action: The action.
    ///   - actorID: The actor, if any.
    ///   - payload: The stored payload map.
    ///   - previousHash: The previous entry's hash (format 1), or empty (format 2).
    /// - Returns: The bytes.
    public static func bytes(
        id: Int64,
        timestamp: Date,
        entity: String,
        action: String,
        actorID: UUID?,
        payload: [String: String],
        previousHash: [UInt8]
    ) -> [UInt8] {
        let chained = !previousHash.isEmpty
        var out: [UInt8] = [chained ? format : unchainedFormat]
        appendBigEndian(UInt64(bitPattern: id), to: &out)
        appendBigEndian(UInt64(bitPattern: milliseconds(of: timestamp)), to: &out)
        appendPrefixed(Array(entity.utf8), to: &out)
        appendPrefixed(Array(action.utf8), to: &out)
        if let actorID {
            appendPrefixed(withUnsafeBytes(of: actorID.uuid) { Array($0) }, to: &out)
        } else {
            appendPrefixed([], to: &out)
        }
        appendPrefixed(canonicalJSON(payload), to: &out)
        if chained {
            appendPrefixed(previousHash, to: &out)
        }
        return out
    }

    /// The canonical bytes of a stored entry.
    ///
    /// - Parameter entry: The entry.
    /// - Returns: The bytes.
    public static func bytes(of entry: AuditEntryRecord) -> [UInt8] {
        bytes(
            id: entry.id, timestamp: entry.timestamp, entity: entry.entity, action: entry.action,
            actorID: entry.actorID, payload: entry.payload, previousHash: entry.previousHash
        )
    }

    /// Computes an entry's hash and signature for the store's append: format 2 for a link without a previous hash
    /// (every append now), format 1 with one (to build a legacy chain in tests).
    ///
    /// - Parameters:
    ///   - draft: The entry's content.
    ///   - link: Its id and previous hash.
    ///   - key: The audit key.
    /// - Returns: The seal.
    public static func seal(_ draft: AuditEntryDraft, link: AuditChainLink, key: AuditSigningKey) -> AuditSeal {
        let canonical = bytes(
            id: link.id, timestamp: draft.timestamp, entity: draft.entity, action: draft.action,
            actorID: draft.actorID, payload: draft.payload, previousHash: link.previousHash
        )
        return AuditSeal(entryHash: hash(canonical), signature: signature(canonical, key: key))
    }

    /// SHA-256 of canonical bytes.
    ///
    /// - Parameter canonical: The bytes.
    /// - Returns: The 32-byte hash.
    public static func hash(_ canonical: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: canonical))
    }

    /// HMAC-SHA256 of canonical bytes under the audit key.
    ///
    /// - Parameters:
    ///   - canonical: The bytes.
    ///   - key: The audit key.
    /// - Returns: The 32-byte signature.
    public static func signature(_ canonical: [UInt8], key: AuditSigningKey) -> [UInt8] {
        key.material.withUnsafeBytes { keyBytes in
            Array(HMAC<SHA256>.authenticationCode(for: canonical, using: SymmetricKey(data: keyBytes)))
        }
    }

    /// Whether `signature` is the HMAC of `canonical` (constant-time).
    ///
    /// - Parameters:
    ///   - signature: The stored signature.
    ///   - canonical: The bytes.
    ///   - key: The audit key.
    /// - Returns: True when it matches.
    public static func isValidSignature(_ signature: [UInt8], for canonical: [UInt8], key: AuditSigningKey) -> Bool {
        key.material.withUnsafeBytes { keyBytes in
            HMAC<SHA256>.isValidAuthenticationCode(
                signature, authenticating: canonical, using: SymmetricKey(data: keyBytes))
        }
    }

    /// The timestamp in whole milliseconds since 1970, rounded to the nearest.
    ///
    /// - Parameter date: The time.
    /// - Returns: Milliseconds.
    public static func milliseconds(of date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    /// The canonical JSON of a payload map (see the type's documentation).
    ///
    /// - Parameter payload: The map.
    /// - Returns: UTF-8 bytes.
    public static func canonicalJSON(_ payload: [String: String]) -> [UInt8] {
        let sorted = payload.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (index, field) in sorted.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendJSONString(field.key, to: &out)
            out.append(UInt8(ascii: ":"))
            appendJSONString(field.value, to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    private static func appendJSONString(_ text: String, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                out.append(UInt8(ascii: "\\"))
                out.append(byte)
            case 0..<0x20:
                out += Array("\\u00".utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0f)])
            default:
                out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func appendBigEndian(_ value: UInt64, to out: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) {
            out.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }

    private static func appendPrefixed(_ bytes: [UInt8], to out: inout [UInt8]) {
        let count = UInt32(truncatingIfNeeded: bytes.count)
        for shift in stride(from: 24, through: 0, by: -8) {
            out.append(UInt8(truncatingIfNeeded: count >> UInt32(shift)))
        }
        out += bytes
    }
}
