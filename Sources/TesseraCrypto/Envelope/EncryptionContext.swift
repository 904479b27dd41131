/// The caller's context bound to a sealed secret as associated data, e.g. `["user_id": "42", "provider": "openai"]`.
///
/// A ciphertext opens only with exactly the same context, so it cannot be moved to another row, user or provider.
/// The context is a set of key/value strings: the order in which the caller lists them does not matter, because
/// they are encoded canonically — sorted by the keys' UTF-8 bytes, each key and value length-prefixed — see
/// `docs/envelope-format.md`.
///
/// Rules, checked when the context is made:
/// - at most ``maxEntries`` entries, keys unique;
/// - keys 1…``maxKeyBytes`` bytes of `[A-Za-z0-9._-]` (ASCII only, so no Unicode normalisation question arises);
/// - values 1…``maxValueBytes`` bytes of UTF-8, bound by their exact bytes (no normalisation is applied);
/// - no key starts with ``reservedKeyPrefix`` (`tessera.`): those entries belong to the ``EnvelopePurpose``, which
///   the crypto layer adds itself, so no caller can build the associated data of another purpose's secret.
///
/// Context values are identifiers, not secrets, but `description` shows only the keys anyway.
public struct EncryptionContext: Sendable, Hashable, CustomStringConvertible {
    /// The most entries a context may hold.
    public static let maxEntries = 16
    /// The longest key, in UTF-8 bytes.
    public static let maxKeyBytes = 64
    /// The longest value, in UTF-8 bytes.
    public static let maxValueBytes = 1024
    /// The key prefix reserved for Tessera's own entries (the ``EnvelopePurpose``); a caller's key may not use it.
    public static let reservedKeyPrefix = "tessera."

    /// What the secret is for; ``EnvelopePurpose/general`` unless the context was made for another purpose.
    public let purpose: EnvelopePurpose

    /// The entries, sorted by key bytes, with the purpose's reserved entry among them.
    public let entries: [(key: String, value: String)]

    /// The canonical encoding bound as associated data: `u16 count`, then per entry `u16 len ‖ key ‖ u16 len ‖ value`.
    public let canonicalEncoding: [UInt8]

    /// An empty context (binds nothing beyond the format itself); prefer a context that names the owner.
    public static let empty = EncryptionContext(validatedSortedEntries: [], purpose: .general)

    /// Creates a context from key/value pairs, written as a dictionary literal.
    ///
    /// A literal is taken as `KeyValuePairs` so that a repeated key is reported as an error rather than
    /// trapping, as a `Dictionary` literal would.
    ///
    /// - Parameter pairs: The entries, in any order.
    /// - Throws: `CryptoError(.invalidParameter)` when a key repeats, or a key or value breaks the rules above.
    public init(_ pairs: KeyValuePairs<String, String>) throws {
        try self.init(entries: pairs.map { ($0.key, $0.value) })
    }

    /// Creates a context from a dictionary.
    ///
    /// - Parameters:
    ///   - dictionary: The entries.
    ///   - purpose: What the secret is for (default ``EnvelopePurpose/general``).
    /// - Throws: `CryptoError(.invalidParameter)` when a key or value breaks the rules above.
    public init(dictionary: [String: String], purpose: EnvelopePurpose = .general) throws {
        try self.init(entries: dictionary.map { ($0.key, $0.value) }, purpose: purpose)
    }

    /// Creates a context from a list of entries.
    ///
    /// - Parameters:
    ///   - entries: The caller's entries, in any order; none may use ``reservedKeyPrefix``.
    ///   - purpose: What the secret is for (default ``EnvelopePurpose/general``); a purpose other than `general`
    ///     adds its reserved entry to the canonical encoding (one more than the caller's ``maxEntries``).
    /// - Throws: `CryptoError(.invalidParameter)` when a key repeats or is reserved, or a key or value breaks the
    ///   rules above.
    public init(entries: [(String, String)], purpose: EnvelopePurpose = .general) throws {
        guard entries.count <= Self.maxEntries else {
            throw CryptoError(.invalidParameter, "encryption context has more than \(Self.maxEntries) entries")
        }
        for (key, value) in entries {
            try Self.validate(key: key, value: value)
        }
        var all = entries
        if let value = purpose.entryValue {
            all.append((EnvelopePurpose.entryKey, value))
        }
        let sorted = all.sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
        for index in sorted.indices.dropFirst() where sorted[index - 1].0.utf8.elementsEqual(sorted[index].0.utf8) {
            throw CryptoError(.invalidParameter, "encryption context key '\(sorted[index].0)' is repeated")
        }
        self.init(validatedSortedEntries: sorted.map { (key: $0.0, value: $0.1) }, purpose: purpose)
    }

    private init(validatedSortedEntries: [(key: String, value: String)], purpose: EnvelopePurpose) {
        self.purpose = purpose
        self.entries = validatedSortedEntries
        var encoding: [UInt8] = []
        EnvelopeFormat.appendBigEndian(UInt16(validatedSortedEntries.count), to: &encoding)
        for (key, value) in validatedSortedEntries {
            EnvelopeFormat.appendBigEndian(UInt16(key.utf8.count), to: &encoding)
            encoding.append(contentsOf: key.utf8)
            EnvelopeFormat.appendBigEndian(UInt16(value.utf8.count), to: &encoding)
            encoding.append(contentsOf: value.utf8)
        }
        self.canonicalEncoding = encoding
    }

    private static func validate(key: String, value: String) throws {
        let keyBytes = key.utf8
        guard (1...maxKeyBytes).contains(keyBytes.count) else {
            throw CryptoError(.invalidParameter, "encryption context keys must be 1 to \(maxKeyBytes) bytes")
        }
        guard keyBytes.allSatisfy(isKeyByte) else {
            throw CryptoError(.invalidParameter, "encryption context keys may only use A-Z a-z 0-9 . _ -")
        }
        guard !keyBytes.starts(with: reservedKeyPrefix.utf8) else {
            throw CryptoError(
                .invalidParameter,
                "encryption context keys starting with '\(reservedKeyPrefix)' are reserved"
            )
        }
        guard (1...maxValueBytes).contains(value.utf8.count) else {
            throw CryptoError(
                .invalidParameter,
                "encryption context value for '\(key)' must be 1 to \(maxValueBytes) bytes"
            )
        }
    }

    private static func isKeyByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    /// The value for `key`, if present.
    public subscript(key: String) -> String? {
        entries.first { $0.key.utf8.elementsEqual(key.utf8) }?.value
    }

    /// Contexts are equal when their canonical encodings are byte-for-byte equal.
    public static func == (lhs: EncryptionContext, rhs: EncryptionContext) -> Bool {
        lhs.canonicalEncoding == rhs.canonicalEncoding
    }

    /// Hashes the canonical encoding.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(canonicalEncoding)
    }

    /// Lists the keys only.
    public var description: String {
        "EncryptionContext(keys: [\(entries.map(\.key).joined(separator: ", "))])"
    }
}
