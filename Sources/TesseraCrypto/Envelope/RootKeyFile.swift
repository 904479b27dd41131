import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A root key in a file: a mounted secret in production, `keys-dev/root-key.dev` in development.
///
/// Format (UTF-8 text, at most 4 KiB): `#` comment lines, `purpose=development|production`, `key=<standard base64
/// of 32 bytes>`. The file must be a regular file (symbolic links are followed, as secret mounts use them).
///
/// **Permissions**: a file whose mode grants any permission to group or others (`mode & 0o077 != 0`) is refused
/// with an error naming the path and the mode — except a *development* key (marked `purpose=development`, or a
/// committed development key): git stores files as 0644, and a development key is public anyway, so it is
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
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw CryptoError(.invalidParameter, "cannot open the root key file \(path): \(Self.reason(errno))")
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw CryptoError(.invalidParameter, "cannot stat the root key file \(path): \(Self.reason(errno))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw CryptoError(.invalidParameter, "the root key file \(path) is not a regular file")
        }
        let mode = UInt32(info.st_mode) & 0o7777
        var bytes = [UInt8](repeating: 0, count: RootKey.maxFileBytes + 1)
        defer { Self.wipe(&bytes) }
        var filled = 0
        while filled < bytes.count {
            let count = bytes.withUnsafeMutableBytes { buffer in
                read(descriptor, buffer.baseAddress.map { $0 + filled }, buffer.count - filled)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw CryptoError(.invalidParameter, "cannot read the root key file \(path): \(Self.reason(errno))")
            }
            if count == 0 { break }
            filled += count
        }
        guard filled <= RootKey.maxFileBytes else {
            throw CryptoError(.invalidParameter, "the root key file \(path) is too large")
        }
        // Cut to what was read in place (no copy: the capacity stays, and the deferred wipe covers it).
        bytes.removeLast(bytes.count - filled)
        let key = try RootKey(parsingFile: bytes, origin: "file \(path)")
        let modeText = "0" + String(mode, radix: 8)
        guard mode & 0o077 != 0 else { return LoadedFile(key: key, warning: nil) }
        guard key.isDevelopmentKey else {
            throw CryptoError(
                .invalidParameter,
                "the root key file \(path) has mode \(modeText): it must not be accessible to group or others "
                    + "(run: chmod 600 \(path))"
            )
        }
        return LoadedFile(
            key: key,
            warning: "the development root key file \(path) has mode \(modeText) (accepted only because it is "
                + "a development key)"
        )
    }

    /// Zeroes the buffer the file was read into, in place. Bytes past its count (after the cut) were never
    /// written by `read`, so they hold no part of the file.
    private static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { _ = $0.initializeMemory(as: UInt8.self, repeating: 0) }
    }

    /// The operating system's text for an `errno` value (e.g. "No such file or directory").
    private static func reason(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text)
    }
}
