import ArgumentParser
import Foundation

/// Reading secrets from standard input, where they do not show in `ps` or shell history.
enum StandardInput {
    /// Reads all of standard input as UTF-8, dropping one trailing newline (as `echo` adds).
    ///
    /// - Parameter what: What is being read, for the error message (e.g. "password").
    /// - Throws: `InputError` when the input is empty, longer than ``maxSecretBytes`` or not UTF-8.
    static func readSecret(_ what: String) throws -> String {
        let data = try read(atMost: maxSecretBytes, what)
        guard var text = String(data: data, encoding: .utf8) else {
            throw InputError("the \(what) on standard input is not UTF-8 text")
        }
        if text.hasSuffix("\r\n") {
            text.removeLast(2)
        } else if text.hasSuffix("\n") {
            text.removeLast()
        }
        guard !text.isEmpty else { throw InputError("expected the \(what) on standard input") }
        return text
    }

    /// Reads all of standard input as raw bytes (for plaintexts that need not be text), at most `limit` bytes.
    ///
    /// - Throws: `InputError` when the input is longer than `limit`.
    static func readBytes(atMost limit: Int, _ what: String) throws -> [UInt8] {
        Array(try read(atMost: limit, what))
    }

    /// The most bytes a secret read by ``readSecret(_:)`` may have: far above any password, token or base32
    /// secret Tessera accepts, and far below what would hurt the machine.
    static let maxSecretBytes = 1 << 20

    /// Reads standard input up to one byte past `limit`, so `tessera … < /dev/zero` fails instead of eating memory.
    private static func read(atMost limit: Int, _ what: String) throws -> Data {
        let data = try FileHandle.standardInput.read(upToCount: limit + 1) ?? Data()
        guard data.count <= limit else {
            throw InputError("the \(what) on standard input is longer than \(limit) bytes")
        }
        return data
    }
}
