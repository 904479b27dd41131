import Crypto

/// An operator-supplied Have I Been Pwned "Pwned Passwords" file, searched on disk and never loaded whole.
///
/// The format is the downloadable SHA-1 file ordered by hash: one `SHA1HEX:COUNT` line per breached password (40
/// hexadecimal digits, upper case as published; lower case is accepted too), sorted by hash, LF or CRLF line ends,
/// with or without a final newline. The full file is tens of GiB, so a lookup is a binary search over byte offsets
/// with positional reads (`pread`): each step reads a few hundred bytes around the middle of the remaining range,
/// skips to the next line start and compares that line's hash, until the range is small enough (64 KiB) to read and
/// scan in one go. A lookup in a 40 GiB file is about 20 steps of two small reads each, and memory stays at one
/// 64 KiB buffer whatever the file's size: nothing of the file is cached in the process beyond what the kernel's page
/// cache keeps.
///
/// Opening reads a few lines spread over the file and refuses one whose lines are not `SHA1HEX:COUNT` (the NTLM
/// download, a range-API response with 35-digit suffixes) or not in hash order (the download ordered by
/// prevalence), with a clear error rather than answers that would silently be wrong. A file damaged elsewhere gives
/// a `malformed` error from the lookup that meets the damage, never a crash.
public struct PwnedPasswordsRangeFile: Sendable {
    /// The most bytes a line may take, its line end included; real lines are at most 40 + 1 + 10 + 2 bytes.
    static let maxLineBytes = 256

    private let file: ReadOnlyFile
    private let scanBytes: Int64

    /// Opens `path`, checks that it is a readable regular file and that the lines sampled across it are
    /// `SHA1HEX:COUNT` in hash order. An empty file is accepted: nothing is in it.
    /// - Parameter path: The file.
    /// - Throws: ``PasswordListError``: `fileNotFound`, `permissionDenied`, `notRegularFile`, `readFailed`,
    ///   `malformed` or `unsorted`, each naming the path (and a byte offset), never a line.
    public init(path: String) throws {
        try self.init(path: path, scanBytes: 1 << 16)
    }

    /// Opens `path` with the range size below which a lookup stops bisecting and scans (tests make it small to
    /// exercise the bisection on small files). It never goes below twice ``maxLineBytes``, which keeps the line start
    /// found after a range's middle inside the range.
    init(path: String, scanBytes: Int) throws {
        self.file = try ReadOnlyFile(path: path)
        self.scanBytes = Int64(max(scanBytes, 2 * Self.maxLineBytes))
        try checkSample()
    }

    /// How often `password` appears in the breach corpus.
    ///
    /// The password is hashed as given (SHA-1 of its UTF-8 bytes, no normalisation), as Have I Been Pwned hashed
    /// the passwords it collected.
    /// - Parameter password: The password as typed.
    /// - Returns: Its count in the file, 0 when it is absent.
    /// - Throws: ``PasswordListError`` with `readFailed` for an I/O error or `malformed` for a damaged line met on
    ///   the way; the message holds a byte offset, never the password or its hash.
    public func occurrences(of password: String) throws -> Int {
        let digest = Insecure.SHA1.hash(data: Array(password.utf8))
        return try occurrences(ofHash: Self.hexadecimal(digest))
    }

    /// The count of the line whose hash is `hash` (40 upper-case hexadecimal ASCII bytes), 0 when there is none.
    func occurrences(ofHash hash: [UInt8]) throws -> Int {
        var low: Int64 = 0  // a line start; every line before it sorts below `hash`
        var high = try file.size()  // a line start or the end; every line from it on sorts above `hash`
        while high - low > scanBytes {
            let middle = low + (high - low) / 2
            guard let probe = try line(after: middle, before: high) else { break }
            switch Self.compare(probe.line.hash, hash) {
            case .equal: return probe.line.count
            case .below: low = probe.next
            case .above: high = probe.start
            }
        }
        // Only a file damaged in a way the probes did not meet leaves a wide range here: refuse to read it whole.
        guard high - low <= 4 * scanBytes else {
            throw PasswordListError(.malformed, "\(file.path): no line start found between bytes \(low) and \(high)")
        }
        return try scan(from: low, to: high, for: hash)
    }

    /// Reads the whole range `[start, end)` of whole lines and looks for `hash` in it.
    private func scan(from start: Int64, to end: Int64, for hash: [UInt8]) throws -> Int {
        guard end > start else { return 0 }
        let bytes = try file.read(at: start, count: Int(end - start))
        var lineStart = 0
        while lineStart < bytes.count {
            let lineEnd = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            if let line = try Self.parse(bytes[lineStart..<lineEnd], at: start + Int64(lineStart), in: file.path) {
                switch Self.compare(line.hash, hash) {
                case .equal: return line.count
                case .above: return 0
                case .below: break
                }
            }
            lineStart = lineEnd + 1
        }
        return 0
    }

    /// The first non-blank line starting at or after `offset` (at `offset` itself only when a line starts there) and
    /// before `limit`: its start, the start of the line after it, and its content; `nil` when no line starts in that
    /// span. One blank line is skipped (a file ending in an empty line); a second in a row is `malformed`, which
    /// bounds the reads a probe makes whatever the file holds.
    private func line(after offset: Int64, before limit: Int64) throws -> (start: Int64, next: Int64, line: Line)? {
        var start: Int64 = 0
        if offset > 0 {
            // Reading from `offset - 1` finds a line that starts exactly at `offset` (the byte before is a newline).
            let window = try file.read(at: offset - 1, count: Self.maxLineBytes)
            guard let newline = window.firstIndex(of: UInt8(ascii: "\n")) else {
                guard window.count == Self.maxLineBytes else { return nil }
                throw PasswordListError(
                    .malformed,
                    "\(file.path): no line end within \(Self.maxLineBytes) bytes of byte \(offset); "
                        + "not a Pwned Passwords file"
                )
            }
            start = offset + Int64(newline)
        }
        var blankLines = 0
        while start < limit {
            let bytes = try file.read(at: start, count: Self.maxLineBytes)
            let end = bytes.firstIndex(of: UInt8(ascii: "\n"))
            guard end != nil || bytes.count < Self.maxLineBytes else {
                throw PasswordListError(
                    .malformed,
                    "\(file.path): the line at byte \(start) is longer than \(Self.maxLineBytes) bytes"
                )
            }
            let lineEnd = end ?? bytes.count
            let next = start + Int64(lineEnd) + 1
            if let line = try Self.parse(bytes[..<lineEnd], at: start, in: file.path) {
                return (start, next, line)
            }
            blankLines += 1
            guard blankLines < 2 else {
                throw PasswordListError(.malformed, "\(file.path): blank lines at byte \(start)")
            }
            start = next
        }
        return nil
    }

    /// Reads the first line, the last one and lines at every eighth of the file, and checks they parse and
    /// ascend.
    private func checkSample() throws {
        let size = try file.size()
        guard size > 0 else { return }
        var offsets: [Int64] = []
        if let first = try line(after: 0, before: size) { offsets.append(first.start) }
        for eighth in 1..<8 {
            if let probe = try line(after: size * Int64(eighth) / 8, before: size) { offsets.append(probe.start) }
        }
        // The last line: the start of the line after the last newline that is not the file's final byte.
        let tailStart = max(0, size - Int64(Self.maxLineBytes))
        let tail = try file.read(at: tailStart, count: Int(size - tailStart))
        let trimmed = tail.last == UInt8(ascii: "\n") ? tail.dropLast() : tail[...]
        let lastStart = tailStart + Int64((trimmed.lastIndex(of: UInt8(ascii: "\n")) ?? -1) + 1)
        if lastStart > 0 || tailStart == 0 { offsets.append(lastStart) }
        var previous: [UInt8]? = nil
        for offset in offsets.sorted() {
            let bytes = try file.read(at: offset, count: Self.maxLineBytes)
            let lineEnd = bytes.firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            guard let line = try Self.parse(bytes[..<lineEnd], at: offset, in: file.path) else { continue }
            if let previous, Self.compare(previous, line.hash) == .above {
                throw PasswordListError(
                    .unsorted,
                    "\(file.path) is not ordered by hash (the download ordered by prevalence?); "
                        + "use the SHA-1 file ordered by hash"
                )
            }
            previous = line.hash
        }
    }
}

extension PwnedPasswordsRangeFile {
    /// One parsed line: its hash (40 upper-case hexadecimal bytes) and its count.
    struct Line {
        var hash: [UInt8]
        var count: Int
    }

    /// Parses one line without its `\n` (a final `\r` is dropped); `nil` for a blank line.
    /// - Throws: ``PasswordListError/Code/malformed`` naming the byte offset when it is not `SHA1HEX:COUNT`.
    static func parse(_ bytes: ArraySlice<UInt8>, at offset: Int64, in path: String) throws -> Line? {
        var content = bytes
        if content.last == UInt8(ascii: "\r") { content.removeLast() }
        guard !content.isEmpty else { return nil }
        let malformed = PasswordListError(
            .malformed,
            "\(path): the line at byte \(offset) is not SHA1HEX:COUNT (40 hexadecimal digits, a colon, a count)"
        )
        guard content.count > 41 else { throw malformed }
        let colon = content.index(content.startIndex, offsetBy: 40)
        guard content[colon] == UInt8(ascii: ":") else { throw malformed }
        var hash: [UInt8] = []
        hash.reserveCapacity(40)
        for byte in content[..<colon] {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "A")...UInt8(ascii: "F"): hash.append(byte)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): hash.append(byte - 0x20)
            default: throw malformed
            }
        }
        let digits = content[content.index(after: colon)...]
        guard digits.count <= 18 else { throw malformed }
        var count = 0
        for byte in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { throw malformed }
            count = count * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return Line(hash: hash, count: count)
    }

    /// How a line's hash sorts against the one looked for.
    enum Order { case below, equal, above }

    /// Compares two hashes of upper-case hexadecimal ASCII, which sort as the digests they spell.
    static func compare(_ lhs: [UInt8], _ rhs: [UInt8]) -> Order {
        for (left, right) in zip(lhs, rhs) where left != right {
            return left < right ? .below : .above
        }
        return lhs.count == rhs.count ? .equal : (lhs.count < rhs.count ? .below : .above)
    }

    /// The upper-case hexadecimal ASCII of a digest.
    static func hexadecimal(_ digest: some Sequence<UInt8>) -> [UInt8] {
        let digits = Array("0123456789ABCDEF".utf8)
        var result: [UInt8] = []
        for byte in digest {
            result.append(digits[Int(byte >> 4)])
            result.append(digits[Int(byte & 0x0F)])
        }
        return result
    }
}
