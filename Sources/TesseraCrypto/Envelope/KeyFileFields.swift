/// The text format shared by Tessera's key files (the root key file and the development master key file): `#`
/// comment lines, blank lines, and `name=value` lines, each name at most once and from a fixed list, with
/// `purpose=development|production` required.
///
/// Failure messages never quote a line: a mangled line could hold a piece of the key.
struct KeyFileFields {
    /// The values by field name.
    let values: [String: String]
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
        parsing bytes: [UInt8],
        names: [String],
        developmentHeader: String,
        malformed: (String) -> CryptoError
    ) throws {
        var fields: [String: String] = [:]
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
            fields[name] = String(decoding: line[line.index(after: equals)...], as: UTF8.self)
        }
        guard let purpose = fields["purpose"], ["development", "production"].contains(purpose) else {
            throw malformed("purpose must be 'development' or 'production'")
        }
        self.values = fields
        self.hasDevelopmentHeader = hasHeader
        self.isDevelopmentPurpose = purpose == "development"
    }
}
