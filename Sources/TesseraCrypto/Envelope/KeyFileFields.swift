/// The text format shared by Tessera's key files (the root key file and the development master key file): `#`
/// comment lines, blank lines, and `name=value` lines, each name at most once and from a fixed list, with
/// `purpose=development|production` required.
///
/// Failure messages never quote a line: a mangled line could hold a piece of the key. Values are kept as ranges of
/// the caller's bytes, not strings, so the key's text is never copied out of the buffer the caller wipes; read
/// them in place with ``withValue(_:_:)``, or as text with ``text(_:)`` for the fields that are not secret.
struct KeyFileFields {
    /// The file's bytes (shared with the caller, not copied).
    private let bytes: ArraySlice<UInt8>
    /// Where each field's value lies in ``bytes``.
    private let ranges: [String: Range<Int>]
    /// Whether the file carries the development header comment.
    let hasDevelopmentHeader: Bool
    /// Whether `purpose=development`.
    let isDevelopmentPurpose: Bool

    /// Parses a key file.
    ///
    /// - Parameters:
    ///   - bytes: The file's contents.
    ///   - names: The allowed field names, `purpose` first.
    ///   - developmentHeader: The comment line that marks a development key.
    ///   - malformed: Makes the error for a reason.
    /// - Throws: What `malformed` makes.
    init(
        parsing bytes: ArraySlice<UInt8>,
        names: [String],
        developmentHeader: String,
        malformed: (String) -> CryptoError
    ) throws {
        var fields: [String: Range<Int>] = [:]
        var hasHeader = false
        for rawLine in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            var line = rawLine[...]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if line.isEmpty { continue }
            if line.first == UInt8(ascii: "#") {
                if line.elementsEqual(developmentHeader.utf8) { hasHeader = true }
                continue
            }
            guard let equals = line.firstIndex(of: UInt8(ascii: "=")) else {
                throw malformed("a line is neither a comment nor name=value")
            }
            let name = String(decoding: line[..<equals], as: UTF8.self)
            guard names.contains(name) else {
                let expected = names.dropLast().joined(separator: ", ") + " or " + (names.last ?? "")
                throw malformed("unknown field (expected \(expected))")
            }
            guard fields[name] == nil else { throw malformed("field '\(name)' appears twice") }
            fields[name] = line.index(after: equals)..<line.endIndex
        }
        let purpose = fields["purpose"].map { String(decoding: bytes[$0], as: UTF8.self) }
        guard let purpose, ["development", "production"].contains(purpose) else {
            throw malformed("purpose must be 'development' or 'production'")
        }
        self.bytes = bytes
        self.ranges = fields
        self.hasDevelopmentHeader = hasHeader
        self.isDevelopmentPurpose = purpose == "development"
    }

    /// Whether the field is present.
    func contains(_ name: String) -> Bool {
        ranges[name] != nil
    }

    /// A field that is not secret (a purpose, a version) as text, or nil when absent.
    func text(_ name: String) -> String? {
        ranges[name].map { String(decoding: bytes[$0], as: UTF8.self) }
    }

    /// Lends a field's bytes in place (for a key: decode them without a copy), or nil when absent.
    func withValue<R>(_ name: String, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R? {
        guard let range = ranges[name] else { return nil }
        let offset = bytes.startIndex
        return try bytes.withUnsafeBytes {
            try body(UnsafeRawBufferPointer(rebasing: $0[(range.lowerBound - offset)..<(range.upperBound - offset)]))
        }
    }
}
