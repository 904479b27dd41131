/// The public settings of a TOTP credential: hash function, number of digits and period (RFC 6238, T0 = 0).
///
/// The values are validated once, at construction, so every other TOTP function can rely on them:
/// 6 to 8 digits (RFC 4226 §5.3 requires at least 6; 32-bit truncation cannot give more than 9, and
/// authenticator apps stop at 8) and a period of 1 to 300 whole seconds.
public struct TOTPParameters: Sendable, Hashable, CustomStringConvertible {
    /// The accepted numbers of digits.
    public static let allowedDigits: ClosedRange<Int> = 6...8
    /// The accepted periods, in whole seconds.
    public static let allowedPeriodSeconds: ClosedRange<Int> = 1...300

    /// The defaults every authenticator app understands: HMAC-SHA-1, 6 digits, 30 seconds.
    public static let `default` = TOTPParameters(validAlgorithm: .sha1, digits: 6, periodSeconds: 30)

    /// The HMAC hash function.
    public let algorithm: TOTPAlgorithm
    /// The number of decimal digits in a code.
    public let digits: Int
    /// The length of one time step, in whole seconds.
    public let periodSeconds: Int

    /// The length of one time step.
    public var period: Duration { .seconds(periodSeconds) }

    /// Creates validated parameters with the period given as a `Duration`.
    ///
    /// - Parameters:
    ///   - algorithm: The HMAC hash function; SHA-1 by default.
    ///   - digits: The code length, 6 to 8; 6 by default.
    ///   - period: The time step, a whole number of seconds from 1 to 300; 30 seconds by default.
    /// - Throws: ``CryptoError/Code/invalidParameter`` when a value is out of range or the period is not a whole
    ///   number of seconds.
    public init(algorithm: TOTPAlgorithm = .sha1, digits: Int = 6, period: Duration = .seconds(30)) throws {
        let (seconds, attoseconds) = period.components
        guard attoseconds == 0, let whole = Int(exactly: seconds) else {
            throw CryptoError(.invalidParameter, "TOTP period must be a whole number of seconds")
        }
        try self.init(algorithm: algorithm, digits: digits, periodSeconds: whole)
    }

    /// Creates validated parameters with the period given in seconds.
    ///
    /// - Parameters:
    ///   - algorithm: The HMAC hash function.
    ///   - digits: The code length, 6 to 8.
    ///   - periodSeconds: The time step in seconds, 1 to 300.
    /// - Throws: ``CryptoError/Code/invalidParameter`` when a value is out of range.
    public init(algorithm: TOTPAlgorithm, digits: Int, periodSeconds: Int) throws {
        guard Self.allowedDigits.contains(digits) else {
            throw CryptoError(.invalidParameter, "TOTP digits must be between 6 and 8")
        }
        guard Self.allowedPeriodSeconds.contains(periodSeconds) else {
            throw CryptoError(.invalidParameter, "TOTP period must be between 1 and 300 seconds")
        }
        self.init(validAlgorithm: algorithm, digits: digits, periodSeconds: periodSeconds)
    }

    /// Creates parameters already known to be in range.
    private init(validAlgorithm: TOTPAlgorithm, digits: Int, periodSeconds: Int) {
        self.algorithm = validAlgorithm
        self.digits = digits
        self.periodSeconds = periodSeconds
    }

    /// A readable summary, e.g. `SHA1, 6 digits, 30 s` (these values are public).
    public var description: String { "\(algorithm), \(digits) digits, \(periodSeconds) s" }
}
