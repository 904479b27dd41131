import Foundation

/// The root of Tessera's key hierarchy: 32 bytes that never enter the database.
///
/// The root key wraps every master key version stored in `tessera.keyring_versions` and derives the other
/// purpose keys (the audit chain's HMAC key, the login flows' keys) with HKDF-SHA256 from its *derivation base*.
/// It comes from a ``RootKeySource``: a file (``RootKeyFile``), the environment (``RootKeyEnvironment``), or a
/// device that never exports it (``RootKeyDevice``, e.g. an HSM through PKCS#11).
///
/// - A key in memory (file, environment) is 32 bytes of locked ``SecretBytes``; it is its own derivation base.
/// - A key in a device wraps master keys inside the device; its derivation base is a value the device computes
///   from a fixed label at load time (see docs/keyring.md, "Root key in an HSM").
/// - After a root key rotation the purpose keys must not change (stored recovery-code hashes and the audit chain
///   depend on them), so the previous root key's derivation base is stored wrapped under the new root key and
///   carried over with ``carryingDerivationBase(_:)``.
///
/// `description` shows the fingerprint and origin only.
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

    /// Where the key lives: bytes in this process, or a device that performs the operations.
    enum Backing: Sendable {
        /// The 32 bytes, locked in memory where the platform allows.
        case material(SecretBytes)
        /// A device holding the key; only its results enter this process.
        case device(any RootKeyDevice)
    }

    /// Where the key lives.
    let backing: Backing
    /// The input key material of every purpose key (``derivedKey(purpose:)``), 32 bytes in locked memory.
    let derivationBase: SecretBytes
    /// Whether ``derivationBase`` was carried over from a previous root key (a rotated keyring).
    public let carriesDerivationBase: Bool
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
        self.backing = .material(held)
        self.derivationBase = held
        self.carriesDerivationBase = false
        self.fingerprint = MasterKey.fingerprint(of: held)
        self.isDevelopmentKey = markedDevelopment || Self.committedDevelopmentFingerprints.contains(self.fingerprint)
        self.origin = origin
    }

    /// The label the device's derivation base is computed from (public, fixed).
    public static let deviceDerivationLabel = Array("tessera.root-key.derivation-base.v1".utf8)
    /// The label the device's fingerprint value is computed from (public, fixed).
    public static let deviceFingerprintLabel = Array("tessera.root-key.fingerprint.v1".utf8)

    /// Creates a root key held in a device: master keys are wrapped and unwrapped inside it, and the derivation
    /// base is computed by it once, now, from ``deviceDerivationLabel``.
    ///
    /// The fingerprint is the first 16 hex digits of SHA-256 of the device's value for ``deviceFingerprintLabel``
    /// (the key itself cannot be hashed: it never leaves the device).
    ///
    /// - Parameters:
    ///   - device: The device.
    ///   - origin: Where the key is, for messages (e.g. `pkcs11 token tessera key root`).
    /// - Throws: What the device throws (a message naming the device, never a PIN).
    public init(device: any RootKeyDevice, origin: String) throws {
        let base = try device.derive(label: Self.deviceDerivationLabel)
        let fingerprintValue = try device.derive(label: Self.deviceFingerprintLabel)
        guard base.count == EnvelopeFormat.keyByteCount, fingerprintValue.count == EnvelopeFormat.keyByteCount else {
            throw CryptoError(.internalFailure, "the root key device \(origin) derived a value of the wrong length")
        }
        self.backing = .device(device)
        self.derivationBase = base
        self.carriesDerivationBase = false
        self.fingerprint = MasterKey.fingerprint(of: fingerprintValue)
        self.isDevelopmentKey = false
        self.origin = origin
    }

    init(carrying other: RootKey, derivationBase: SecretBytes) {
        self.backing = other.backing
        self.derivationBase = derivationBase
        self.carriesDerivationBase = true
        self.fingerprint = other.fingerprint
        self.isDevelopmentKey = other.isDevelopmentKey
        self.origin = other.origin
    }

    /// Whether the key is held in a device rather than in this process.
    public var isDeviceBacked: Bool {
        if case .device = backing { return true }
        return false
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
        guard case .material(let material) = parsed.backing else {
            throw Self.malformed(origin, "the key field is missing")
        }
        try self.init(
            material: material,
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
        self.backing = .material(material)
        self.derivationBase = material
        self.carriesDerivationBase = false
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

    /// The key in standard base64 (tests hand it to a child process through `TESSERA_ROOT_KEY`); empty for a key
    /// in a device, which has no bytes to give.
    ///
    /// Package-visible only: a `String` cannot be zeroed, so the public API never hands key material out as text.
    package func base64EncodedKey() -> String {
        guard case .material(let material) = backing else { return "" }
        return material.withUnsafeBytes { Data($0).base64EncodedString() }
    }

    /// The root key file's text for this key (`purpose=production`, `key=<base64>`), in memory that is zeroed
    /// when released, for ``RootKeyFile/create(_:at:)``.
    ///
    /// - Throws: `CryptoError(.keyringState)` for a key in a device.
    func fileText() throws -> SecretBytes {
        guard case .material(let material) = backing else {
            throw CryptoError(
                .keyringState, "the root key \(fingerprint) is in a device and cannot be written to a file")
        }
        let header = Array(
            "# tessera root key \(fingerprint): keep it apart from the database and its backups\npurpose=production\nkey="
                .utf8
        )
        let encodedCount = ((material.count + 2) / 3) * 4
        var encoded = false
        // The base64 text and its NUL land at the end; the NUL is then replaced by the final newline.
        let text = SecretBytes(count: header.count + encodedCount + 1, locked: true) { buffer in
            buffer.copyBytes(from: header)
            encoded = material.withUnsafeBytes { key in
                SecretBase64.encode(key, into: UnsafeMutableRawBufferPointer(rebasing: buffer[header.count...]))
            }
            buffer[buffer.count - 1] = 0x0A
        }
        guard encoded else { throw CryptoError(.internalFailure, "the root key could not be encoded") }
        return text
    }

    private static func malformed(_ origin: String, _ why: String) -> CryptoError {
        CryptoError(.malformedSecret, "root key file \(origin): \(why)")
    }

    /// Shows the fingerprint, origin and development marker, never the key.
    public var description: String {
        "RootKey(fingerprint: \(fingerprint), development: \(isDevelopmentKey), origin: \(origin))"
    }
}
