extension TesseraClient {
    /// A caller credential (the caller token issued by `tessera callers add`), sent with every call as
    /// `authorization: Bearer <credential>`.
    ///
    /// The value is never printed: `description`, `debugDescription` and reflection show only that a credential is
    /// present, so a configuration can be logged or dumped without leaking it.
    public struct Credential: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
        /// The `authorization` metadata value, built once.
        let authorizationValue: String

        /// Creates a credential from the caller token.
        ///
        /// - Parameter token: The caller token; surrounding whitespace and newlines (as left by files and
        ///   `echo`) are removed.
        public init(_ token: String) {
            let trimmed = token.trimmingWhitespace()
            self.authorizationValue = "Bearer " + trimmed
        }

        /// Whether the token is empty (then no `authorization` metadata is sent).
        public var isEmpty: Bool { self.authorizationValue == "Bearer " }

        /// `Credential(redacted)`.
        public var description: String { "Credential(redacted)" }

        /// `Credential(redacted)`.
        public var debugDescription: String { self.description }

        /// A mirror with no children, so `dump` and reflection reveal nothing.
        public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs, carriage returns and newlines.
    fileprivate func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard let first = self.firstIndex(where: { !isSpace($0) }),
            let last = self.lastIndex(where: { !isSpace($0) })
        else {
            return ""
        }
        return String(self[first...last])
    }
}
