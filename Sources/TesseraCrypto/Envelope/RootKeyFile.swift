import Foundation

/// A root key in a file: a mounted secret in production, `keys-dev/root-key.dev` in development.
///
/// Format (UTF-8 text, at most 4 KiB): `#` comment lines, `purpose=development|production`, `key=<standard base64
/// of 32 bytes>`. The file must be a regular file (symbolic links are followed, as secret mounts use them).
///
/// **Permissions** (checked by ``ProtectedFile`` under ``ProtectedFile/Permissions/secret``, like the other files
/// that decide access): a file whose mode grants any permission to group or others (`mode & 0o077 != 0`) is
/// refused with an error naming the path and the mode — except a *development* key (marked `purpose=development`,
/// or a committed development key): git stores files as 0644, and a development key is public anyway, so it is
/// accepted with a warning in ``LoadedFile/warning``. Mode and contents come from the same open descriptor, so a
/// file swapped between the check and the read is not a gap.
public struct RootKeyFile: RootKeySource {
    /// A key loaded from a file, with any warning the caller should print.
    public struct LoadedFile: Sendable {
        /// The key.
        public let key: RootKey
        /// A warning (e.g. a development key with loose permissions), or nil.
        public let warning: String?
    }

    /// The file's path.
    public var path: String

    /// Creates the source.
    ///
    /// - Parameter path: The key file.
    public init(path: String) {
        self.path = path
    }

    /// Loads the key, dropping any warning; see ``load()``.
    ///
    /// - Returns: The key.
    /// - Throws: As ``load()``.
    public func loadRootKey() throws -> RootKey {
        try load().key
    }

    /// Loads the key and reports a warning for a development key with loose permissions.
    ///
    /// - Returns: The key and the warning.
    /// - Throws: `CryptoError(.invalidParameter)` when the file cannot be opened, is not a regular file, is too
    ///   large, or (for a non-development key) is accessible to group or others; `CryptoError(.malformedSecret)`
    ///   when it is not in the format.
    public func load() throws -> LoadedFile {
        try ProtectedFile.read(path, describedAs: "root key file", maxBytes: RootKey.maxFileBytes) { file, bytes in
            // Parsed in the buffer ProtectedFile wipes: no copy of the key text is made.
            let key = try RootKey(parsingFileBytes: bytes, origin: "file \(path)")
            guard let problem = file.problem(under: .secret) else { return LoadedFile(key: key, warning: nil) }
            guard key.isDevelopmentKey else {
                throw CryptoError(.invalidParameter, problem)
            }
            return LoadedFile(
                key: key,
                warning: "the development root key file \(path) has mode \(file.modeText) (accepted only because it "
                    + "is a development key)"
            )
        }
    }

    /// Writes `key` to a new file (mode 0600, `purpose=production`), durably and without ever replacing an
    /// existing file: for `tessera keys rotate-root`, which must have the new key safe on disk before the keyring
    /// depends on it.
    ///
    /// - Parameters:
    ///   - key: A key in memory (a device key has no bytes to write).
    ///   - path: The new file.
    /// - Throws: `CryptoError(.invalidParameter)` when the file exists or cannot be written,
    ///   `CryptoError(.keyringState)` for a key in a device.
    public static func create(_ key: RootKey, at path: String) throws {
        try ProtectedFile.createOwnerOnly(try key.fileText(), at: path, describedAs: "root key file")
    }
}
