import Foundation

/// The root of Tessera's key hierarchy: 32 bytes that never enter the database.
///
/// The root key wraps every master key version stored in `tessera.keyring_versions` and derives the other
/// purpose keys (the audit chain's HMAC key) with HKDF-SHA256. It comes from a ``RootKeySource``: a file
/// (``RootKeyFile``), the environment (``RootKeyEnvironment``), later an HSM.
///
/// The key material is kept in locked ``SecretBytes``; `description` shows the fingerprint and origin only.
/// ``isDevelopmentKey`` is true when the key was marked as a development key or matches a committed development
/// fingerprint, so ``requireProduction()`` can refuse it in production mode.
public struct RootKey: Sendable, CustomStringConvertible {
    /// The first line of a development root key file.
    public static let developmentHeader = "# tessera development root key — DO NOT USE IN PRODUCTION"
    /// Where the committed development root key lives, relative to the repository root.
    public static let developmentRelativePath = "keys-dev/root-key.dev"
    /// Fingerprints of development root keys ever committed (public, never secret); recognised even if the
    /// markers are edited out of the file.
    public static let committedDevelopmentFingerprints: Set<String> = ["f92d8b0549b0729c"]
    /// The environment variable ``RootKeyEnvironment`` reads by default.
    public static let environmentVariable = "TESSERA_ROOT_KEY"
    /// The largest root key file accepted, in bytes.
    static let maxFileBytes = 4096

    /// The 32 bytes, locked in memory where the platform allows.
    let material: SecretBytes
    /// The first 16 hex digits of SHA-256 of the key: tells keys apart, reveals nothing useful.
    public let fingerprint: String
    /// Whether this is a development key (marked so, or a committed development key).
    public let isDevelopmentKey: Bool
    /// Where the key came from (e.g. `file keys-dev/root-key.dev`), for messages; never key material.
    public let origin: String

    /// Creates a root key from its material.
    ///
    /// - Parameters:
    ///   - material: Exactly 32 bytes.
    ///   - markedDevelopment: Whether the source marked it as a development key.
    ///   - origin: Where it came from, for messages.
    /// - Throws: `CryptoError(.invalidParameter)` when the material is not 32 bytes.
    public init(material: SecretBytes, markedDevelopment: Bool = false, origin: String) throws {
        guard material.count == EnvelopeFormat.keyByteCount else {
            throw CryptoError(.invalidParameter, "a root key must be 32 bytes (from \(origin))")
        }
        let held =
            material.isLocked
            ? material
            : material.withUnsafeBytes { source in
                SecretBytes(count: source.count, locked: true) { $0.copyMemory(from: source) }
            }
        self.material = held
        self.fingerprint = MasterKey.fingerprint(of: held)
        self.isDevelopmentKey = markedDevelopment || Self.committedDevelopmentFingerprints.contains(self.fingerprint)
        self.origin = origin
    }

    /// Creates a root key from standard base64 text (the environment variable's format).
    ///
    /// - Parameters:
    ///   - base64: Standard base64 of 32 bytes; surrounding whitespace is ignored.
    ///   - origin: Where it came from, for messages.
    /// - Throws: `CryptoError(.malformedSecret)` when it is not base64 of 32 bytes.
    public init(base64: String, origin: String) throws {
        guard let material = SecretBase64.decode(base64, count: EnvelopeFormat.keyByteCount) else {
            throw Self.notBase64(origin)
        }
        try self.init(material: material, origin: origin)
    }

    /// Creates a root key from base64 text lent in place (a file's buffer, an environment variable's bytes),
    /// decoded straight into locked memory.
    ///
    /// - Parameters:
    ///   - base64: Standard base64 of 32 bytes; surrounding whitespace is ignored. Never copied.
    ///   - origin: Where it came from, for messages.
    /// - Throws: `CryptoError(.malformedSecret)` when it is not base64 of 32 bytes.
    init(base64 bytes: UnsafeRawBufferPointer, origin: String) throws {
        guard let material = SecretBase64.decode(bytes, count: EnvelopeFormat.keyByteCount) else {
            throw Self.notBase64(origin)
        }
        try self.init(material: material, origin: origin)
    }

    private static func notBase64(_ origin: String) -> CryptoError {
        CryptoError(.malformedSecret, "the root key from \(origin) is not standard base64 of 32 bytes")
    }

    /// Parses a root key file's text: `#` comment lines, `purpose=development|production`, `key=<base64>`.
    ///
    /// - Parameters:
    ///   - bytes: The file's contents (at most 4 KiB).
    ///   - origin: Where it came from, for messages.
    /// - Throws: `CryptoError(.malformedSecret)` when it is not in the format; messages never quote a line.
    public init(parsingFile bytes: [UInt8], origin: String) throws {
        try self.init(parsingFileBytes: bytes[...], origin: origin)
    }

    /// Parses a root key file's text lent in place (the reader's buffer, which it wipes); see
    /// ``init(parsingFile:origin:)``.
    init(parsingFileBytes bytes: ArraySlice<UInt8>, origin: String) throws {
        guard bytes.count <= Self.maxFileBytes else {
            throw CryptoError(.invalidParameter, "the root key file \(origin) is too large")
        }
        let fields = try KeyFileFields(
            parsing: bytes, names: ["purpose", "key"], developmentHeader: Self.developmentHeader,
            malformed: { Self.malformed(origin, $0) }
        )
        guard let parsed = try fields.withValue("key", { try RootKey(base64: $0, origin: origin) }) else {
            throw Self.malformed(origin, "the key field is missing")
        }
        try self.init(
            material: parsed.material,
            markedDevelopment: fields.isDevelopmentPurpose || fields.hasDevelopmentHeader,
            origin: origin
        )
    }

    /// A new random root key (e.g. for tests or to provision a deployment).
    ///
    /// - Parameter origin: A label for messages.
    /// - Returns: The key.
    public static func generate(origin: String = "generated") -> RootKey {
        RootKey(unchecked: .random(count: EnvelopeFormat.keyByteCount, locked: true), origin: origin)
    }

    private init(unchecked material: SecretBytes, origin: String) {
        self.material = material
        self.fingerprint = MasterKey.fingerprint(of: material)
        self.isDevelopmentKey = false
        self.origin = origin
    }

    /// Refuses a development key, for production mode.
    ///
    /// - Throws: `CryptoError(.keyringState)` when ``isDevelopmentKey`` is true.
    public func requireProduction() throws {
        guard !isDevelopmentKey else {
            throw CryptoError(
                .keyringState,
                "production mode refuses the development root key \(fingerprint) from \(origin)"
            )
        }
    }

    /// The key in standard base64 (tests hand it to a child process through `TESSERA_ROOT_KEY`).
    ///
    /// Package-visible only: a `String` cannot be zeroed, so the public API never hands key material out as text.
    package func base64EncodedKey() -> String {
        material.withUnsafeBytes { Data($0).base64EncodedString() }
    }

    private static func malformed(_ origin: String, _ why: String) -> CryptoError {
        CryptoError(.malformedSecret, "root key file \(origin): \(why)")
    }

    /// Shows the fingerprint, origin and development marker, never the key.
    public var description: String {
        "RootKey(fingerprint: \(fingerprint), development: \(isDevelopmentKey), origin: \(origin))"
    }
}
