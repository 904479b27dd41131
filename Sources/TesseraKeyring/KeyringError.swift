/// A failure of the persistent keyring: a code and a short message naming versions and fingerprints, never keys.
public struct KeyringError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case rootKeyMismatch
            case corruptKeyring
            case unknownVersion
            case activeVersion
            case versionInUse
            case concurrentChange
            case invalidArgument
            case storeTimeout
            case rewrapRunning
            case rewrapNotRunning
            case emptyKeyring
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The root key does not open the stored master key versions: it is not the root key they were wrapped
        /// with (or the rows were tampered with).
        public static let rootKeyMismatch = Code(.rootKeyMismatch)
        /// The stored keyring is inconsistent (no active version, a version number out of range).
        public static let corruptKeyring = Code(.corruptKeyring)
        /// No such master key version.
        public static let unknownVersion = Code(.unknownVersion)
        /// The operation is not allowed on the active version (e.g. retiring it).
        public static let activeVersion = Code(.activeVersion)
        /// The version still wraps data keys, so it cannot be retired yet.
        public static let versionInUse = Code(.versionInUse)
        /// Another process kept changing the keyring; try again.
        public static let concurrentChange = Code(.concurrentChange)
        /// An argument is out of range (e.g. a batch size below 1).
        public static let invalidArgument = Code(.invalidArgument)
        /// The store did not answer a keyring read in time.
        public static let storeTimeout = Code(.storeTimeout)
        /// A rewrap is already running (started twice, or held by another process).
        public static let rewrapRunning = Code(.rewrapRunning)
        /// There is no running rewrap to pause (or no paused one to resume).
        public static let rewrapNotRunning = Code(.rewrapNotRunning)
        /// The keyring has no master key version yet, and the work asked for must not create one (opening).
        public static let emptyKeyring = Code(.emptyKeyring)

        /// The code's name.
        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public let code: Code
    /// A short explanation: versions, counts, fingerprints; never key material.
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
    public static func == (lhs: KeyringError, rhs: KeyringError) -> Bool { lhs.code == rhs.code }

    /// Hashes the code only.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }
}
