/// A failure to open, read or search a password list: a code and a short message naming the file and a byte offset
/// or line number, never a password, a password's hash or a line of the list.
public struct PasswordListError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case fileNotFound
            case permissionDenied
            case notRegularFile
            case readFailed
            case malformed
            case unsorted
            case noDefaultList
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// No file at the path.
        public static let fileNotFound = Code(.fileNotFound)
        /// The file exists but this process may not read it.
        public static let permissionDenied = Code(.permissionDenied)
        /// The path names a directory, a device, a FIFO or a socket rather than a regular file.
        public static let notRegularFile = Code(.notRegularFile)
        /// Opening, reading or decompressing the file failed (an I/O error, a truncated or corrupt gzip stream).
        public static let readFailed = Code(.readFailed)
        /// The content is not what the format expects (a line too long, a NUL byte, a line that is not
        /// `SHA1HEX:COUNT`).
        public static let malformed = Code(.malformed)
        /// A Pwned Passwords file whose lines are not ordered by hash, so it cannot be binary searched.
        public static let unsorted = Code(.unsorted)
        /// None of the default locations of the common-password list exists.
        public static let noDefaultList = Code(.noDefaultList)

        /// The code's name.
        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public let code: Code
    /// A short explanation naming paths, offsets and line numbers; never a password or a line's content.
    public let message: String

    /// Creates an error.
    /// - Parameters:
    ///   - code: The kind.
    ///   - message: A short explanation without secrets.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// Errors are equal by code.
    public static func == (lhs: PasswordListError, rhs: PasswordListError) -> Bool { lhs.code == rhs.code }

    /// Hashes the code only.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }
}
