import Foundation
import TesseraCrypto

/// A secret the scripted session used, and the forms in which it must not appear in the database.
struct ScannedSecret: Sendable {
    /// What the secret is (for failure messages; never the secret itself).
    let label: String
    /// The secret's bytes (UTF-8 for text secrets).
    let bytes: [UInt8]

    /// A text secret (password, token, API key, base32 TOTP secret).
    init(_ label: String, text: String) {
        self.label = label
        self.bytes = Array(text.utf8)
    }

    /// A binary secret (key material, raw TOTP secret).
    init(_ label: String, bytes: [UInt8]) {
        self.label = label
        self.bytes = bytes
    }

    /// A binary secret held in ``SecretBytes``.
    init(_ label: String, secret: SecretBytes) {
        self.label = label
        self.bytes = secret.withUnsafeBytes { Array($0) }
    }

    /// The byte strings searched for: the raw bytes, lower- and upper-case hex, standard and URL-safe base64 (with
    /// and without padding) and base32 (upper and lower case).
    ///
    /// Forms of 4 bytes or fewer are dropped: `key_last_4_chars` holds the last 4 characters of an API key by
    /// design, and such short strings also match by chance. Only full secrets are searched for.
    var needles: [(form: String, bytes: [UInt8])] {
        let hex = self.bytes.map { byte in
            let digits = Array("0123456789abcdef".utf8)
            return [digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]]
        }.flatMap { $0 }
        let base64 = Data(self.bytes).base64EncodedString()
        let base64URL = base64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        let base32 = Base32.encode(self.bytes)
        let forms: [(String, [UInt8])] = [
            ("raw", self.bytes),
            ("hex", hex),
            ("HEX", Array(String(decoding: hex, as: UTF8.self).uppercased().utf8)),
            ("base64", Array(base64.utf8)),
            ("base64 unpadded", Array(base64.trimmingCharacters(in: ["="]).utf8)),
            ("base64url", Array(base64URL.trimmingCharacters(in: ["="]).utf8)),
            ("base32", Array(base32.utf8)),
            ("base32 lower-case", Array(base32.lowercased().utf8)),
        ]
        var seen: Set<[UInt8]> = []
        return forms.filter { $0.1.count > 4 && seen.insert($0.1).inserted }
    }
}

extension Collection where Element == UInt8, Index == Int {
    /// Whether `needle` occurs anywhere in these bytes.
    func containsBytes(_ needle: [UInt8]) -> Bool {
        guard let first = needle.first, needle.count <= self.count else { return needle.isEmpty }
        var index = self.startIndex
        let last = self.endIndex - needle.count
        while index <= last {
            if self[index] == first && self[index..<(index + needle.count)].elementsEqual(needle) {
                return true
            }
            index += 1
        }
        return false
    }
}
