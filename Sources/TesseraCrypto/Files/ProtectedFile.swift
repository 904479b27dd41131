import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A small file that decides who holds or may call something (a root key, a database URL with its password, the
/// callers file), read with the mode and owner it had when read.
///
/// The one place where such files' permissions are checked: ``RootKeyFile``, the callers file and the database
/// URL file all read through ``read(_:describedAs:maxBytes:_:)`` and judge the result with
/// ``problem(under:)``. Mode, owner and contents come from the same open descriptor, so a file swapped between
/// the check and the read is not a gap. The file must be a regular file (symbolic links are followed, as secret
/// mounts use them).
public struct ProtectedFile: Sendable, Hashable {
    /// What a file's mode and owner must satisfy.
    public struct Permissions: Sendable, Hashable {
        /// Mode bits that must all be clear.
        public var forbiddenModeBits: UInt32
        /// Whether the file must belong to the process's effective user.
        public var requiresEffectiveUserAsOwner: Bool

        /// Creates a rule.
        ///
        /// - Parameters:
        ///   - forbiddenModeBits: Mode bits that must all be clear (e.g. `0o077`).
        ///   - requiresEffectiveUserAsOwner: Whether the owner must be the effective user.
        public init(forbiddenModeBits: UInt32, requiresEffectiveUserAsOwner: Bool) {
            self.forbiddenModeBits = forbiddenModeBits
            self.requiresEffectiveUserAsOwner = requiresEffectiveUserAsOwner
        }

        /// A secret (root key, database URL): no permission at all for group or others (`mode & 0o077 == 0`).
        /// The owner is not checked, since mounted secrets often belong to root.
        public static let secret = Permissions(forbiddenModeBits: 0o077, requiresEffectiveUserAsOwner: false)

        /// A file that grants access (the callers file): not writable by group or others (`mode & 0o022 == 0`)
        /// and owned by the process's effective user, so no other local user can change who may call.
        public static let ownerWritable = Permissions(forbiddenModeBits: 0o022, requiresEffectiveUserAsOwner: true)
    }

    /// The file's path.
    public let path: String
    /// What the file is, for messages (e.g. "root key file").
    public let label: String
    /// Its permission bits (`st_mode & 0o7777`).
    public let mode: UInt32
    /// Its owner's user id.
    public let owner: UInt32

    /// Reads a file through one descriptor and hands its bytes and metadata to `body`, then zeroes the buffer.
    ///
    /// - Parameters:
    ///   - path: The file.
    ///   - label: What it is, for messages (e.g. "root key file").
    ///   - maxBytes: The largest size accepted.
    ///   - body: Receives the metadata and the contents; the contents must not escape it.
    /// - Returns: What `body` returns.
    /// - Throws: `CryptoError(.invalidParameter)` when the file cannot be opened or read, is not a regular file or
    ///   is larger than `maxBytes`; whatever `body` throws.
    public static func read<Result>(
        _ path: String,
        describedAs label: String,
        maxBytes: Int,
        _ body: (ProtectedFile, ArraySlice<UInt8>) throws -> Result
    ) throws -> Result {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw CryptoError(.invalidParameter, "cannot open the \(label) \(path): \(reason(errno))")
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw CryptoError(.invalidParameter, "cannot stat the \(label) \(path): \(reason(errno))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw CryptoError(.invalidParameter, "the \(label) \(path) is not a regular file")
        }
        let file = ProtectedFile(
            path: path, label: label, mode: UInt32(info.st_mode) & 0o7777, owner: UInt32(info.st_uid)
        )
        var bytes = [UInt8](repeating: 0, count: maxBytes + 1)
        defer { bytes.withUnsafeMutableBytes { _ = $0.initializeMemory(as: UInt8.self, repeating: 0) } }
        var filled = 0
        while filled < bytes.count {
            let count = bytes.withUnsafeMutableBytes { buffer in
                readDescriptor(descriptor, buffer.baseAddress.map { $0 + filled }, buffer.count - filled)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw CryptoError(.invalidParameter, "cannot read the \(label) \(path): \(reason(errno))")
            }
            if count == 0 { break }
            filled += count
        }
        guard filled <= maxBytes else {
            throw CryptoError(.invalidParameter, "the \(label) \(path) is too large")
        }
        return try body(file, bytes[..<filled])
    }

    /// Writes a file atomically with mode 0600 from the moment it exists: a temporary file beside it, created
    /// exclusively with that mode whatever the umask, written and synced, then renamed over the path.
    ///
    /// - Parameters:
    ///   - bytes: The contents.
    ///   - path: The file.
    ///   - label: What it is, for messages (e.g. "callers file").
    /// - Throws: `CryptoError(.invalidParameter)` when the file cannot be written; the old file stays then.
    public static func writeOwnerOnly(_ bytes: [UInt8], to path: String, describedAs label: String) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp").path
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw CryptoError(.invalidParameter, "cannot write the \(label) \(path): \(reason(errno))")
        }
        var written = 0
        var failure: Int32?
        if fchmod(descriptor, 0o600) != 0 { failure = errno }
        while failure == nil && written < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                writeDescriptor(descriptor, buffer.baseAddress.map { $0 + written }, buffer.count - written)
            }
            if count < 0 {
                if errno != EINTR { failure = errno }
            } else {
                written += count
            }
        }
        if failure == nil && fsync(descriptor) != 0 { failure = errno }
        if close(descriptor) != 0 && failure == nil { failure = errno }
        if failure == nil && rename(temporary, path) != 0 { failure = errno }
        if let failure {
            unlink(temporary)
            throw CryptoError(.invalidParameter, "cannot write the \(label) \(path): \(reason(failure))")
        }
    }

    /// Creates a new file with mode 0600 holding `secret`, never replacing an existing one, and makes it durable
    /// before returning: the bytes are written and synced into a temporary file beside it, which is then
    /// hard-linked to `path` (failing if `path` exists) and the directory synced.
    ///
    /// For a key that is about to protect data: once this returns, a crash cannot lose it, and two processes
    /// creating the same path cannot both believe they wrote it.
    ///
    /// - Parameters:
    ///   - secret: The contents, written from their locked buffer (no copy).
    ///   - path: The new file.
    ///   - label: What it is, for messages.
    /// - Throws: `CryptoError(.invalidParameter)` when `path` exists or cannot be written; nothing is left then.
    public static func createOwnerOnly(_ secret: SecretBytes, at path: String, describedAs label: String) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp").path
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw CryptoError(.invalidParameter, "cannot create the \(label) \(path): \(reason(errno))")
        }
        defer { unlink(temporary) }
        var failure: Int32?
        if fchmod(descriptor, 0o600) != 0 { failure = errno }
        secret.withUnsafeBytes { buffer in
            var written = 0
            while failure == nil && written < buffer.count {
                let count = writeDescriptor(descriptor, buffer.baseAddress.map { $0 + written }, buffer.count - written)
                if count < 0 {
                    if errno != EINTR { failure = errno }
                } else {
                    written += count
                }
            }
        }
        if failure == nil && fsync(descriptor) != 0 { failure = errno }
        if close(descriptor) != 0 && failure == nil { failure = errno }
        if let failure {
            throw CryptoError(.invalidParameter, "cannot create the \(label) \(path): \(reason(failure))")
        }
        guard link(temporary, path) == 0 else {
            let code = errno
            if code == EEXIST {
                throw CryptoError(.invalidParameter, "the \(label) \(path) already exists: it is never overwritten")
            }
            throw CryptoError(.invalidParameter, "cannot create the \(label) \(path): \(reason(code))")
        }
        let directoryDescriptor = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            _ = fsync(directoryDescriptor)
            _ = close(directoryDescriptor)
        }
    }

    /// The mode in octal as `ls` and `chmod` write it, e.g. `0644`.
    public var modeText: String { "0" + String(mode, radix: 8) }

    /// Why the file breaks `permissions`, as one line that names the path and the fix, or `nil` when it does not.
    ///
    /// - Parameter permissions: The rule.
    /// - Returns: The reason, or `nil`.
    public func problem(under permissions: Permissions) -> String? {
        if mode & permissions.forbiddenModeBits != 0 {
            let who =
                permissions.forbiddenModeBits & 0o044 == 0
                ? "writable by group or others" : "accessible to group or others"
            return "the \(label) \(path) has mode \(modeText): it must not be \(who) (run: chmod 600 \(path))"
        }
        if permissions.requiresEffectiveUserAsOwner, owner != UInt32(geteuid()) {
            return "the \(label) \(path) belongs to uid \(owner), not to this process's user (uid \(geteuid()))"
                + ": only the service's own user may decide its contents"
        }
        return nil
    }

    /// Throws when the file breaks `permissions`.
    ///
    /// - Parameter permissions: The rule.
    /// - Throws: `CryptoError(.invalidParameter)` with ``problem(under:)`` as its message.
    public func require(_ permissions: Permissions) throws {
        if let problem = problem(under: permissions) {
            throw CryptoError(.invalidParameter, problem)
        }
    }

    /// The operating system's text for an `errno` value (e.g. "No such file or directory").
    private static func reason(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text)
    }
}

/// `read(2)`, named apart from ``ProtectedFile/read(_:describedAs:maxBytes:_:)``.
private func readDescriptor(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}

/// `write(2)`, beside ``readDescriptor(_:_:_:)``.
private func writeDescriptor(_ descriptor: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}
