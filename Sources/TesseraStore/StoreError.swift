/// A storage failure, typed so callers can branch on it without reading driver text.
///
/// The message is short and fixed; it never contains a value from the database or the query (an email, a hash, a
/// token), nor the driver's own error text. Two errors are equal when their codes are equal.
public struct StoreError: Error, Equatable, Hashable, CustomStringConvertible, Sendable {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case duplicateEmail
            case duplicateRefreshToken
            case duplicateInvitationCode
            case duplicateResetToken
            case duplicateProvider
            case duplicateRecoveryCode
            case duplicateKeyVersion
            case duplicateID
            case uniqueViolation
            case invalidValue
            case foreignKey
            case notFound
            case schemaTooNew
            case migrationFailed
            case connection
            case conflict
            case invalidConfiguration
            case backend
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// Another user already has this email address.
        public static let duplicateEmail = Self(.duplicateEmail)
        /// A session already has this refresh-token hash.
        public static let duplicateRefreshToken = Self(.duplicateRefreshToken)
        /// An invitation already has this code hash.
        public static let duplicateInvitationCode = Self(.duplicateInvitationCode)
        /// A password reset already has this token hash.
        public static let duplicateResetToken = Self(.duplicateResetToken)
        /// The user already has a provider key of this provider type.
        public static let duplicateProvider = Self(.duplicateProvider)
        /// The user already has a recovery code with this hash.
        public static let duplicateRecoveryCode = Self(.duplicateRecoveryCode)
        /// A master key version with this number already exists.
        public static let duplicateKeyVersion = Self(.duplicateKeyVersion)
        /// A row with this id already exists.
        public static let duplicateID = Self(.duplicateID)
        /// Some other unique constraint was violated.
        public static let uniqueViolation = Self(.uniqueViolation)
        /// A value broke a check constraint (e.g. a malformed email, an unknown role, a negative count).
        public static let invalidValue = Self(.invalidValue)
        /// A referenced row does not exist (e.g. a session for an unknown user).
        public static let foreignKey = Self(.foreignKey)
        /// The row to update or delete does not exist.
        public static let notFound = Self(.notFound)
        /// The database's schema is newer than this code knows: refuse to run rather than corrupt it.
        public static let schemaTooNew = Self(.schemaTooNew)
        /// A migration could not be applied (it was rolled back).
        public static let migrationFailed = Self(.migrationFailed)
        /// The database could not be reached, or the connection broke.
        public static let connection = Self(.connection)
        /// The transaction lost to a concurrent one (a deadlock or serialization failure on PostgreSQL, a busy
        /// database on SQLite) and was rolled back whole: nothing changed, and running it again may succeed.
        public static let conflict = Self(.conflict)
        /// The store's configuration is unusable (e.g. a malformed database URL).
        public static let invalidConfiguration = Self(.invalidConfiguration)
        /// Any other failure reported by the database.
        public static let backend = Self(.backend)

        /// The code's name, e.g. `duplicateEmail`.
        public var description: String { self.base.rawValue }

        /// Whether this code is one of the unique-constraint violations.
        public var isUniqueViolation: Bool {
            switch self.base {
            case .duplicateEmail, .duplicateRefreshToken, .duplicateInvitationCode, .duplicateResetToken,
                .duplicateProvider, .duplicateRecoveryCode, .duplicateKeyVersion, .duplicateID, .uniqueViolation:
                true
            default:
                false
            }
        }
    }

    /// What kind of failure this is.
    public var code: Code
    /// A short, fixed explanation that carries no data values.
    public var message: String

    /// Creates an error.
    /// - Parameters:
    ///   - code: What kind of failure this is.
    ///   - message: A short, fixed explanation; never put a data value or a driver message here.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `code: message`.
    public var description: String { "\(self.code): \(self.message)" }

    /// Errors are equal by code.
    public static func == (lhs: StoreError, rhs: StoreError) -> Bool { lhs.code == rhs.code }

    /// Hashes the code only, consistent with `==`.
    public func hash(into hasher: inout Hasher) { hasher.combine(self.code) }
}
