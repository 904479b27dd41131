#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// An open, read-only descriptor on a regular file, read by position (`pread`) and closed when released.
///
/// `Sendable` without `@unchecked`: its only state is the immutable descriptor and path, and `pread` takes its
/// offset as an argument instead of moving a shared file position, so concurrent reads from many tasks are safe.
final class ReadOnlyFile: Sendable {
    /// The open descriptor.
    let descriptor: Int32
    /// The path it was opened from, for error messages.
    let path: String

    /// Opens `path` for reading and checks that it is a regular file.
    ///
    /// `O_NONBLOCK` keeps a FIFO at the path from blocking the open until a writer appears; it has no effect on
    /// reads from a regular file, the only kind kept.
    /// - Parameter path: The file.
    /// - Throws: ``PasswordListError`` with `fileNotFound`, `permissionDenied`, `notRegularFile` or `readFailed`.
    init(path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else {
            let number = errno
            switch number {
            case ENOENT, ENOTDIR:
                throw PasswordListError(.fileNotFound, "no file at \(path)")
            case EACCES, EPERM:
                throw PasswordListError(.permissionDenied, "\(path) is not readable by this process")
            default:
                throw PasswordListError(.readFailed, "cannot open \(path): \(Self.describe(number))")
            }
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let number = errno
            close(descriptor)
            throw PasswordListError(.readFailed, "cannot stat \(path): \(Self.describe(number))")
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            throw PasswordListError(.notRegularFile, "\(path) is not a regular file")
        }
        self.descriptor = descriptor
        self.path = path
    }

    deinit {
        close(descriptor)
    }

    /// The file's current size in bytes.
    /// - Throws: ``PasswordListError/Code/readFailed`` when `fstat` fails.
    func size() throws -> Int64 {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw PasswordListError(.readFailed, "cannot stat \(path): \(Self.describe(errno))")
        }
        return Int64(status.st_size)
    }

    /// Reads up to `count` bytes at `offset`; fewer only at the end of the file.
    /// - Parameters:
    ///   - offset: Where to start.
    ///   - count: How many bytes at most.
    /// - Returns: The bytes read.
    /// - Throws: ``PasswordListError/Code/readFailed`` on an I/O error.
    func read(at offset: Int64, count: Int) throws -> [UInt8] {
        guard count > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let result = bytes.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return pread(descriptor, base + filled, count - filled, off_t(offset) + off_t(filled))
            }
            if result > 0 {
                filled += result
            } else if result == 0 {
                break
            } else if errno != EINTR {
                throw PasswordListError(.readFailed, "cannot read \(path) at byte \(offset): \(Self.describe(errno))")
            }
        }
        bytes.removeLast(count - filled)
        return bytes
    }

    /// The C library's text for an error number.
    static func describe(_ number: Int32) -> String {
        guard let text = strerror(number) else { return "error \(number)" }
        return String(cString: text)
    }
}
