import Crypto
import Foundation

/// A list of common passwords (NIST SP 800-63B's "passwords obtained from previous breach corpuses" and
/// "dictionary words"), held in memory as a sorted array of 64-bit fingerprints and binary searched.
///
/// The list Tessera installs is Django's `common-passwords.txt.gz` (about 20,000 passwords, the list
/// Django's `CommonPasswordValidator` uses), from Debian's `python3-django` package; `ops/install-deps.sh` installs
/// it. Any other list in the same format (one password per line, LF or CRLF, plain or gzip) loads the same way.
///
/// **Matching.** A password matches an entry when both are equal after the same normalisation: Unicode NFKC (as the
/// password hasher normalises), lower-casing, NFKC again (lower-casing can leave text outside NFKC), and trimming
/// leading and trailing white space, as Django's validator does with `password.lower().strip()`. So
/// `"PassWord"`, `"ＰＡＳＳＷＯＲＤ"` (full width) and `" password "` all match `password`. ASCII text, nearly all
/// of any list, takes a fast path with the same result.
///
/// **Structure.** Each normalised entry is reduced to the first 64 bits of its SHA-256, the fingerprints sorted and
/// deduplicated once at load, and a lookup is one SHA-256 and a binary search (about 15 comparisons for 20,000
/// entries). Memory is `count × 8` bytes: about 158 KiB for Django's 19,727 passwords, against a few MiB for a
/// `Set<String>` of the same words, and it needs no allocation per entry.
///
/// **False positives.** Two different passwords share a fingerprint with probability 2⁻⁶⁴, so a password that is not
/// on the list is reported as on it with probability about `count / 2⁶⁴` (about 10⁻¹⁵ for 20,000 entries). The only
/// effect of such a false positive is that one password is refused and the user picks another; a false negative
/// cannot happen. The fingerprint is deliberately unkeyed: it gives every replica the same answer, and someone who
/// spends 2⁵⁰ hashes finding a colliding password gains nothing but having their own password refused.
public struct CommonPasswordList: Sendable {
    /// The sorted, distinct fingerprints.
    private let fingerprints: [UInt64]

    /// Loads a list: one password per line, plain text or gzip.
    ///
    /// The file is streamed through zlib (which reads plain files as they are), so only the fingerprints stay in
    /// memory. Blank lines are skipped; CRLF line ends are accepted.
    /// - Parameter path: The list's path.
    /// - Returns: The loaded list.
    /// - Throws: ``PasswordListError``: `fileNotFound`, `permissionDenied`, `notRegularFile`, `readFailed` (an
    ///   I/O error, a truncated or corrupt gzip stream) or `malformed` (a NUL byte or a line over 1024 bytes: not a
    ///   text password list). Messages name the path and a line number, never a line.
    public static func load(path: String) throws -> CommonPasswordList {
        let reader = try WordListReader(path: path)
        var fingerprints: [UInt64] = []
        try reader.forEachLine { line in
            if let fingerprint = Self.fingerprint(ofNormalized: Self.normalize(bytes: line)) {
                fingerprints.append(fingerprint)
            }
        }
        return CommonPasswordList(fingerprints: fingerprints)
    }

    /// The paths searched when the operator names none, in order.
    ///
    /// First Django's list where Debian's `python3-django` installs it (what `ops/install-deps.sh` sets up), then
    /// cracklib's small dictionary where Debian's `cracklib-runtime` puts it, a plain list of dictionary words.
    public static let defaultPaths: [String] = [
        "/usr/lib/python3/dist-packages/django/contrib/auth/common-passwords.txt.gz",
        "/usr/share/dict/cracklib-small",
    ]

    /// Loads the first of ``defaultPaths`` that exists.
    /// - Returns: The loaded list.
    /// - Throws: ``PasswordListError/Code/noDefaultList`` naming every path tried when none exists, or the error
    ///   of ``load(path:)`` for the one that does.
    public static func loadDefault() throws -> CommonPasswordList {
        try loadFirst(of: defaultPaths)
    }

    /// Loads the first of `paths` that exists (``loadDefault()`` with other paths, for tests).
    static func loadFirst(of paths: [String]) throws -> CommonPasswordList {
        guard let path = paths.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw PasswordListError(
                .noDefaultList,
                "no common-password list at \(paths.joined(separator: ", ")); install Debian's python3-django "
                    + "(ops/install-deps.sh does) or name a list"
            )
        }
        return try load(path: path)
    }

    /// Builds a list from words in memory: tests, and context words such as the email's local part or the service
    /// name.
    /// - Parameter words: The words; each is normalised as a password is, and empty ones are skipped.
    public init(words: some Sequence<String>) {
        self.init(fingerprints: words.compactMap { Self.fingerprint(ofNormalized: Self.normalize($0)) })
    }

    private init(fingerprints: [UInt64]) {
        var sorted = fingerprints.sorted()
        var kept = 0
        for index in sorted.indices where index == 0 || sorted[index] != sorted[kept - 1] {
            sorted[kept] = sorted[index]
            kept += 1
        }
        sorted.removeLast(sorted.count - kept)
        self.fingerprints = sorted
    }

    /// Whether `password` is on the list, compared case-insensitively after NFKC (see the type's discussion).
    ///
    /// The caller bounds the password's length first (the password policy does), since NFKC costs time linear in it.
    /// - Parameter password: The password as typed.
    /// - Returns: `true` when it matches an entry; an empty or all-white-space password matches none.
    public func contains(_ password: String) -> Bool {
        guard let fingerprint = Self.fingerprint(ofNormalized: Self.normalize(password)) else { return false }
        var low = 0
        var high = fingerprints.count
        while low < high {
            let middle = low + (high - low) / 2
            if fingerprints[middle] < fingerprint {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return low < fingerprints.count && fingerprints[low] == fingerprint
    }

    /// The number of distinct entries after normalisation; the list takes `count × 8` bytes of memory.
    public var count: Int { fingerprints.count }
}

extension CommonPasswordList {
    /// The normalised UTF-8 bytes of a line of a list (decoded as UTF-8, invalid bytes replaced).
    static func normalize(bytes: ArraySlice<UInt8>) -> [UInt8] {
        if bytes.allSatisfy({ $0 < 0x80 }) { return asciiNormalize(bytes) }
        return normalize(String(decoding: bytes, as: UTF8.self))
    }

    /// The normalised UTF-8 bytes of `text`: NFKC, lower case, NFKC, white space trimmed at both ends.
    static func normalize(_ text: String) -> [UInt8] {
        let utf8 = text.utf8
        if utf8.allSatisfy({ $0 < 0x80 }) { return asciiNormalize(utf8) }
        return unicodeNormalize(text)
    }

    /// The general path, through Foundation.
    static func unicodeNormalize(_ text: String) -> [UInt8] {
        let folded = text.precomposedStringWithCompatibilityMapping.lowercased()
            .precomposedStringWithCompatibilityMapping
        return Array(folded.trimmingCharacters(in: .whitespacesAndNewlines).utf8)
    }

    /// The ASCII path: NFKC leaves ASCII unchanged, lower-casing is `A-Z → a-z`, and the ASCII members of
    /// Foundation's `whitespacesAndNewlines` are space and U+0009…U+000D.
    static func asciiNormalize(_ bytes: some Collection<UInt8>) -> [UInt8] {
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        for byte in bytes {
            result.append((0x41...0x5A).contains(byte) ? byte | 0x20 : byte)
        }
        while let last = result.last, isSpace(last) { result.removeLast() }
        let leading = result.prefix(while: isSpace).count
        return leading == 0 ? result : Array(result.dropFirst(leading))
    }

    /// The first 64 bits (big-endian) of the SHA-256 of normalised bytes; `nil` for an empty entry.
    static func fingerprint(ofNormalized bytes: [UInt8]) -> UInt64? {
        guard !bytes.isEmpty else { return nil }
        let digest = SHA256.hash(data: bytes)
        var fingerprint: UInt64 = 0
        for byte in digest.prefix(8) { fingerprint = (fingerprint << 8) | UInt64(byte) }
        return fingerprint
    }
}
