import ArgumentParser
import Foundation

/// Reading secrets from standard input, where they do not show in `ps` or shell history.
enum StandardInput {
    /// Reads all of standard input as UTF-8, dropping one trailing newline (as `echo` adds).
    ///
    /// - Parameter what: What is being read, for the error message (e.g. "password").
    /// - Throws: `ValidationError` when the input is empty or not UTF-8.
    static func readSecret(_ what: String) throws -> String {
        let data = FileHandle.standardInput.readDataToEndOfFile()
        guard var text = String(data: data, encoding: .utf8) else {
            throw ValidationError("the \(what) on standard input is not UTF-8 text")
        }
        if text.hasSuffix("\r\n") {
            text.removeLast(2)
        } else if text.hasSuffix("\n") {
            text.removeLast()
        }
        guard !text.isEmpty else { throw ValidationError("expected the \(what) on standard input") }
        return text
    }

    /// Reads all of standard input as raw bytes (for plaintexts that need not be text).
    static func readBytes() -> [UInt8] {
        Array(FileHandle.standardInput.readDataToEndOfFile())
    }
}
