internal import CTesseraZlib

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Streams the lines of a word list, plain text or gzip, through zlib's `gz*` API (which reads a file that is not
/// gzip as it is), so neither the compressed nor the decompressed file is ever held whole in memory.
///
/// The zlib handle lives in this class and is closed in `deinit`, whatever path the reading takes.
final class WordListReader {
    /// The longest line accepted, in bytes: no real password list has lines near it, so a longer one means the path
    /// names something else (a binary file, a packed cracklib dictionary).
    static let maxLineBytes = 1024

    private let handle: gzFile
    private let path: String

    /// Opens `path`.
    /// - Parameter path: A regular file: one word per line, LF or CRLF, optionally gzip-compressed.
    /// - Throws: ``PasswordListError`` when the file cannot be opened or is not a regular file.
    init(path: String) throws {
        let file = try ReadOnlyFile(path: path)
        // zlib takes ownership of the descriptor it is given, while `file` closes its own: hand zlib a duplicate.
        let duplicate = dup(file.descriptor)
        guard duplicate >= 0 else {
            throw PasswordListError(.readFailed, "cannot open \(path): \(ReadOnlyFile.describe(errno))")
        }
        guard let handle = tessera_gz_dopen(duplicate) else {
            close(duplicate)
            throw PasswordListError(.readFailed, "cannot open \(path): zlib could not allocate its state")
        }
        self.handle = handle
        self.path = path
    }

    deinit {
        _ = tessera_gz_close(handle)
    }

    /// Calls `body` with each line's bytes (without its LF or CRLF), in order, the last line with or without a
    /// final newline.
    /// - Parameter body: Receives one line; its buffer is valid only during the call.
    /// - Throws: ``PasswordListError`` with `readFailed` for an I/O error or a truncated or corrupt gzip stream,
    ///   `malformed` for a NUL byte or a line longer than ``maxLineBytes``; the message gives the line number only.
    func forEachLine(_ body: (ArraySlice<UInt8>) throws -> Void) throws {
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var pending: [UInt8] = []
        var lineNumber = 0
        func emit(_ line: ArraySlice<UInt8>) throws {
            lineNumber += 1
            var line = line
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            guard line.count <= Self.maxLineBytes else {
                throw PasswordListError(
                    .malformed,
                    "\(path): line \(lineNumber) is longer than \(Self.maxLineBytes) bytes; not a password list"
                )
            }
            guard !line.contains(0) else {
                throw PasswordListError(.malformed, "\(path): line \(lineNumber) holds a NUL byte; not a text list")
            }
            try body(line)
        }
        while true {
            let read = chunk.withUnsafeMutableBytes { buffer in
                tessera_gz_read(handle, buffer.baseAddress, UInt32(buffer.count))
            }
            guard read >= 0 else { throw failure() }
            guard read > 0 else { break }
            var start = 0
            for index in 0..<Int(read) where chunk[index] == UInt8(ascii: "\n") {
                if pending.isEmpty {
                    try emit(chunk[start..<index])
                } else {
                    pending.append(contentsOf: chunk[start..<index])
                    try emit(pending[...])
                    pending.removeAll(keepingCapacity: true)
                }
                start = index + 1
            }
            pending.append(contentsOf: chunk[start..<Int(read)])
            guard pending.count <= Self.maxLineBytes + 1 else {
                throw PasswordListError(
                    .malformed,
                    "\(path): line \(lineNumber + 1) is longer than \(Self.maxLineBytes) bytes; not a password list"
                )
            }
        }
        // gzread reports a stream cut short only through gzerror once it has handed out what it could decode.
        guard tessera_gz_error(handle) == Z_OK else { throw failure() }
        if !pending.isEmpty { try emit(pending[...]) }
    }

    private func failure() -> PasswordListError {
        switch tessera_gz_error(handle) {
        case Z_BUF_ERROR:
            return PasswordListError(.readFailed, "\(path): the gzip stream is truncated")
        case Z_DATA_ERROR:
            return PasswordListError(.readFailed, "\(path): the gzip stream is corrupt")
        case Z_MEM_ERROR:
            return PasswordListError(.readFailed, "\(path): zlib ran out of memory")
        default:
            return PasswordListError(.readFailed, "cannot read \(path): \(ReadOnlyFile.describe(errno))")
        }
    }
}
