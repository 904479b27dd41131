import Foundation
import TesseraCrypto

/// One-time recovery codes: 10 per user, 120 bits each, stored only as HMAC-SHA256 under a root-derived key.
///
/// A code is 24 characters of Crockford base32 in four groups (`7K2M-9QXA-…` style, 6 characters a group), read
/// case-insensitively with `I`/`L` as `1` and `O` as `0`. NIST SP 800-63B §5.1.2 lets a look-up secret with at
/// least 112 bits of entropy be stored under an approved one-way function without a slow hash: 120 random bits
/// cannot be guessed offline whatever the hash's speed, and the HMAC key (not in the database) means a stolen
/// table cannot even be checked. Argon2id would cost a login an extra 50 ms per code tried for no added safety.
enum RecoveryCodes {
    /// Codes per set.
    static let count = 10
    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    static let groupLength = 6
    static let groups = 4

    /// A fresh set of codes, as shown to the user once.
    static func generate() -> [String] {
        (0..<count).map { _ in
            var characters: [Character] = []
            for byte in SecureRandom.bytes(count: groupLength * groups) {
                characters.append(alphabet[Int(byte & 31)])
            }
            return stride(from: 0, to: characters.count, by: groupLength)
                .map { String(characters[$0..<$0 + groupLength]) }
                .joined(separator: "-")
        }
    }

    /// The canonical form of a typed code (upper case, no separators, look-alikes mapped), or nil when it cannot
    /// be a code.
    static func canonical(_ typed: String) -> String? {
        var out = ""
        for character in typed.uppercased() where character != "-" && character != " " {
            let mapped: Character =
                switch character {
                case "I", "L": "1"
                case "O": "0"
                default: character
                }
            guard alphabet.contains(mapped) else { return nil }
            out.append(mapped)
        }
        return out.count == groupLength * groups ? out : nil
    }

    /// Whether `typed` looks like a recovery code rather than a TOTP code.
    static func isRecoveryCode(_ typed: String) -> Bool { canonical(typed) != nil }

    /// The stored forms of a freshly generated set (each generated code is canonical but for its dashes).
    static func hashes(of codes: [String], userID: UUID, key: SecretBytes) -> [[UInt8]] {
        codes.map { hash(canonical($0) ?? $0, userID: userID, key: key) }
    }

    /// The stored form of a code for a user: HMAC-SHA256(key, user id ‖ canonical code).
    static func hash(_ canonical: String, userID: UUID, key: SecretBytes) -> [UInt8] {
        KeyedDigest.of([userID.uuidString.lowercased(), canonical], key: key)
    }
}
