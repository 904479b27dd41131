import Crypto
import Foundation

/// A made-up Pwned Passwords corpus: random SHA-1 hashes plus those of a few known passwords, sorted by hash as
/// the real download is, written out in the layouts the real file may have.
struct PwnedCorpus: Sendable {
    /// Passwords whose hashes are in the corpus, with their counts.
    static let knownPasswords: [(password: String, count: Int)] = [
        ("password", 9_545_824), ("123456", 37_359_195), ("correct horse battery staple", 384), ("Pässwörd", 7),
    ]

    /// One line: 40 upper-case hexadecimal digits and a count.
    struct Entry: Sendable {
        var hash: String
        var count: Int
    }

    /// The entries, sorted by hash.
    let entries: [Entry]
    /// Their hashes, for finding one that is absent.
    private let hashes: Set<String>

    /// `lines` random entries plus the known passwords'.
    init(lines: Int) {
        var generator = SystemRandomNumberGenerator()
        var entries: [Entry] = []
        entries.reserveCapacity(lines + Self.knownPasswords.count)
        for _ in 0..<lines {
            let words = (generator.next() as UInt64, generator.next() as UInt64, generator.next() as UInt64)
            let digest = withUnsafeBytes(of: words) { Array($0.prefix(20)) }
            entries.append(Entry(hash: Self.hex(digest), count: Int(words.2 >> 40) + 1))
        }
        for (password, count) in Self.knownPasswords {
            entries.append(Entry(hash: Self.sha1(password), count: count))
        }
        self.init(entries: entries.sorted { $0.hash < $1.hash })
    }

    /// Entries given as they are (already sorted, or deliberately not).
    init(entries: [Entry]) {
        self.entries = entries
        self.hashes = Set(entries.map(\.hash))
    }

    /// The file's bytes, with `lineEnd` after every line but the last, and after the last too when
    /// `finalNewline`.
    func contents(lineEnd: String = "\n", finalNewline: Bool = true) -> Data {
        var text = entries.map { "\($0.hash):\($0.count)" }.joined(separator: lineEnd)
        if finalNewline && !entries.isEmpty { text += lineEnd }
        return Data(text.utf8)
    }

    /// Writes the file to `path` and returns the path.
    @discardableResult
    func write(to path: String, lineEnd: String = "\n", finalNewline: Bool = true) throws -> String {
        try contents(lineEnd: lineEnd, finalNewline: finalNewline).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A hash that sorts just after `hash` and is not in the corpus (its last digit changed).
    func absentNeighbour(of hash: String) -> String {
        for digit in "0123456789ABCDEF" {
            let candidate = String(hash.dropLast()) + String(digit)
            if !hashes.contains(candidate) { return candidate }
        }
        return String(repeating: "0", count: 40)
    }

    /// The upper-case SHA-1 hex of a password's UTF-8 bytes, as Have I Been Pwned computes it.
    static func sha1(_ password: String) -> String {
        hex(Insecure.SHA1.hash(data: Array(password.utf8)))
    }

    /// Upper-case hexadecimal.
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var result: [UInt8] = []
        for byte in bytes {
            result.append(digits[Int(byte >> 4)])
            result.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: result, as: UTF8.self)
    }
}
