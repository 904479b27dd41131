import Foundation

/// The development master key file `keys-dev/master-key.dev`: the key of the worked example in
/// `docs/envelope-format.md` and of the crypto tests. No command uses it: `tessera secret` and `tessera demo` seal
/// with the persistent keyring (`TesseraKeyring`), like the server.
///
/// The file is small UTF-8 text: `#` comment lines (the first says `DO NOT USE IN PRODUCTION`), then
///
/// ```
/// purpose=development
/// version=1
/// key=<standard base64 of 32 bytes>
/// ```
///
/// ``isDevelopmentKey`` is `true` when the file says `purpose=development`, carries the header, or holds the key
/// committed to the repository (recognised by fingerprint, so editing the marker out does not launder it).
/// `tessera serve` in production mode must refuse a keyring for which it is `true`.
public struct DevelopmentKeyring: Sendable, CustomStringConvertible {
    /// The header line written at the top of every development key file.
    public static let header = "# tessera development master key — DO NOT USE IN PRODUCTION"
    /// Where the committed development key lives, relative to the repository root.
    public static let defaultRelativePath = "keys-dev/master-key.dev"
    /// Fingerprints of development keys that were ever committed; these are public and never secret.
    public static let committedFingerprints: Set<String> = ["dd16ff06c366b461"]
    /// The largest key file accepted, in bytes.
    static let maxFileBytes = 4096

    /// A keyring holding the file's key as its only, active version.
    public let keyring: Keyring
    /// The master key version named in the file.
    public let version: UInt32
    /// SHA-256 of the key, hex, first 16 characters.
    public let fingerprint: String
    /// Whether this key is for development only (and so must be refused in production mode).
    public let isDevelopmentKey: Bool

    /// Loads a key file.
    ///
    /// - Parameter url: The file, e.g. `keys-dev/master-key.dev`.
    /// - Returns: The loaded keyring.
    /// - Throws: `CryptoError(.invalidParameter)` when the file cannot be read or is too large,
    ///   `CryptoError(.malformedSecret)` when it is not in the format.
    public static func load(from url: URL) throws -> DevelopmentKeyring {
        var data: Data
        do {
            // Read at most one byte past the limit: a device or a huge file (e.g. /dev/zero) must not be read
            // to its end.
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            data = try handle.read(upToCount: maxFileBytes + 1) ?? Data()
        } catch {
            throw CryptoError(.invalidParameter, "cannot read the master key file at \(url.path)")
        }
        defer { data.resetBytes(in: 0..<data.count) }
        guard data.count <= maxFileBytes else {
            throw CryptoError(.invalidParameter, "the master key file at \(url.path) is too large")
        }
        var bytes = [UInt8](data)
        defer { bytes.withUnsafeMutableBytes { _ = $0.initializeMemory(as: UInt8.self, repeating: 0) } }
        return try DevelopmentKeyring(parsingBytes: bytes)
    }

    /// Parses the text of a key file.
    ///
    /// - Parameter text: The file's contents.
    /// - Throws: `CryptoError(.malformedSecret)` when it is not in the format.
    public init(parsing text: String) throws {
        guard text.utf8.count <= Self.maxFileBytes else {
            throw CryptoError(.invalidParameter, "the master key file is too large")
        }
        try self.init(parsingBytes: Array(text.utf8))
    }

    private init(parsingBytes bytes: [UInt8]) throws {
        let parsed = try KeyFileFields(
            parsing: bytes[...], names: ["purpose", "version", "key"], developmentHeader: Self.header,
            malformed: Self.malformed
        )
        guard let versionText = parsed.text("version"), let version = UInt32(versionText), version >= 1 else {
            throw Self.malformed("version must be a whole number from 1 to 4294967295")
        }
        guard parsed.contains("key") else { throw Self.malformed("key must be standard base64 of 32 bytes") }
        guard
            let material = parsed.withValue(
                "key",
                {
                    SecretBase64.decode($0, count: EnvelopeFormat.keyByteCount)
                }) ?? nil
        else {
            throw Self.malformed("key must be standard base64 of 32 bytes")
        }
        let key = try MasterKey(version: version, material: material, state: .active)
        let fingerprint = MasterKey.fingerprint(of: material)
        self.keyring = try Keyring(keys: [key])
        self.version = version
        self.fingerprint = fingerprint
        self.isDevelopmentKey =
            parsed.isDevelopmentPurpose || parsed.hasDevelopmentHeader
            || Self.committedFingerprints.contains(fingerprint)
    }

    private static func malformed(_ why: String) -> CryptoError {
        CryptoError(.malformedSecret, "master key file: \(why)")
    }

    /// Shows the version, fingerprint and marker, never the key.
    public var description: String {
        "DevelopmentKeyring(version: \(version), fingerprint: \(fingerprint), development: \(isDevelopmentKey))"
    }
}
