import Foundation

/// A directory of its own under the system's temporary directory, removed when the test's body returns.
enum TemporaryDirectory {
    /// Runs `body` with a fresh directory's path (ending without a slash), then removes the directory.
    static func with<Result>(_ body: (String) throws -> Result) throws -> Result {
        let path = NSTemporaryDirectory() + "tessera-password-lists-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try body(path)
    }

}
