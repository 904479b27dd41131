internal import Crypto
import Foundation

/// Time-based one-time passwords (RFC 6238, built on RFC 4226's HOTP) with `T0 = 0`.
///
/// Generation and verification are pure functions of the secret, the time and ``TOTPParameters``; nothing is
/// remembered between calls. In particular ``verify(code:secret:at:parameters:window:)`` does **not** prevent
/// replays: the caller records the returned ``TOTPMatch/timeStep`` per user and refuses steps it has seen.
public enum TOTP {
    /// The largest skew window accepted, in steps either side of the current one.
    ///
    /// Each step of window adds two codes an attacker may hit; RFC 6238 §5.2 recommends at most one step.
    public static let maximumWindow = 10

    /// The largest Unix time (exclusive) a time step can be computed for: 2^64 seconds.
    private static let timeLimit: Double = 18_446_744_073_709_551_616.0

    /// Returns the RFC 6238 counter `T = floor(unixTime / period)` for an instant.
    ///
    /// - Parameters:
    ///   - date: The instant.
    ///   - parameters: The credential's parameters (only the period matters).
    /// - Returns: The time step.
    /// - Throws: ``CryptoError/Code/invalidParameter`` for an instant before 1970-01-01T00:00:00Z, or one so far
    ///   in the future that its Unix time does not fit in 64 bits, or a non-finite time.
    public static func timeStep(at date: Date, parameters: TOTPParameters = .default) throws -> UInt64 {
        try wholeSeconds(date) / UInt64(parameters.periodSeconds)
    }

    /// Returns the code for an instant, zero-padded to ``TOTPParameters/digits``.
    ///
    /// - Parameters:
    ///   - secret: The shared secret.
    ///   - date: The instant; the code is the one for the step containing it.
    ///   - parameters: Hash function, digits and period.
    /// - Returns: A string of exactly `parameters.digits` ASCII digits. It is a live credential: do not log it.
    /// - Throws: ``CryptoError/Code/invalidParameter`` when the instant has no time step (see
    ///   ``timeStep(at:parameters:)``).
    public static func code(
        for secret: TOTPSecret,
        at date: Date,
        parameters: TOTPParameters = .default
    ) throws -> String {
        code(for: secret, timeStep: try timeStep(at: date, parameters: parameters), parameters: parameters)
    }

    /// Returns the code for a time step, which is also RFC 4226's HOTP value for counter `timeStep`.
    ///
    /// - Parameters:
    ///   - secret: The shared secret.
    ///   - timeStep: The counter `T` (or the HOTP counter).
    ///   - parameters: Hash function and digits (the period is not used).
    /// - Returns: A string of exactly `parameters.digits` ASCII digits.
    public static func code(for secret: TOTPSecret, timeStep: UInt64, parameters: TOTPParameters = .default) -> String {
        var digits = codeDigits(key: secret.symmetricKey, counter: timeStep, parameters: parameters)
        defer { Base32.wipe(&digits) }
        return String(decoding: digits, as: UTF8.self)
    }

    /// Whether `code` has the only shape a code can have: exactly `parameters.digits` ASCII digits `0`–`9`.
    ///
    /// Anything else (whitespace, signs, separators, full-width or Arabic-Indic digits, another length) is
    /// refused. The server can use this to tell malformed input from a wrong code.
    ///
    /// - Parameters:
    ///   - code: The code as typed.
    ///   - parameters: The credential's parameters (only the digit count matters).
    /// - Returns: `true` when the code is well formed.
    public static func isWellFormed(_ code: String, parameters: TOTPParameters = .default) -> Bool {
        let utf8 = code.utf8
        guard utf8.count == parameters.digits else { return false }
        return utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    /// Checks a code against the steps within `window` of the step containing `date`.
    ///
    /// Every candidate in the window is computed and compared in constant time, whatever matches, so the
    /// running time does not reveal which step (if any) matched. When two steps share the same code (a one in
    /// 10^digits event), the one closest to the current step is reported. Steps that would lie before the epoch
    /// or beyond 2^64 − 1 are skipped.
    ///
    /// The verifier is stateless: refuse replays with the returned ``TOTPMatch/timeStep`` (see ``TOTPMatch``).
    ///
    /// - Parameters:
    ///   - code: The code as typed; only exactly `parameters.digits` ASCII digits can match.
    ///   - secret: The shared secret.
    ///   - date: The verifier's current time.
    ///   - parameters: Hash function, digits and period.
    ///   - window: How many steps before and after the current one to accept, 0 to ``maximumWindow``;
    ///     1 by default (RFC 6238 §5.2).
    /// - Returns: The match, or `nil` when the code is malformed or matches no step in the window.
    /// - Throws: ``CryptoError/Code/invalidParameter`` for a window outside 0...``maximumWindow`` or an instant
    ///   with no time step (before 1970, or beyond 2^64 seconds).
    public static func verify(
        code: String,
        secret: TOTPSecret,
        at date: Date = Date(),
        parameters: TOTPParameters = .default,
        window: Int = 1
    ) throws -> TOTPMatch? {
        guard (0...maximumWindow).contains(window) else {
            throw CryptoError(.invalidParameter, "TOTP window must be between 0 and \(maximumWindow) steps")
        }
        let now = date.timeIntervalSince1970
        let current = try timeStep(at: date, parameters: parameters)
        guard isWellFormed(code, parameters: parameters) else { return nil }

        let presented = Array(code.utf8)
        let key = secret.symmetricKey
        var matched = 0
        var matchedOffset = 0
        // Closest steps first, so a (rare) duplicate code resolves to the most plausible step.
        for distance in 0...window {
            for offset in distance == 0 ? [0] : [-distance, distance] {
                guard let step = current.adding(offset) else { continue }
                var candidate = codeDigits(key: key, counter: step, parameters: parameters)
                let equal = ConstantTime.equals(candidate, presented) ? 1 : 0
                Base32.wipe(&candidate)
                // Branch-free "first match wins": take = equal and not yet matched.
                let take = equal & (matched ^ 1)
                let mask = 0 &- take
                matchedOffset = (matchedOffset & ~mask) | (offset & mask)
                matched |= take
            }
        }
        guard matched == 1, let step = current.adding(matchedOffset) else { return nil }
        let end = (Double(step) + 1) * Double(parameters.periodSeconds)
        return TOTPMatch(
            timeStep: step,
            offset: matchedOffset,
            expiresAt: Date(timeIntervalSince1970: end),
            expiresIn: .seconds(end - now)
        )
    }

    /// The whole Unix seconds of an instant (rounded down), or an error when there are none.
    private static func wholeSeconds(_ date: Date) throws -> UInt64 {
        let seconds = date.timeIntervalSince1970
        guard seconds.isFinite, seconds >= 0, seconds < timeLimit,
            let whole = UInt64(exactly: seconds.rounded(.down))
        else {
            throw CryptoError(.invalidParameter, "time is outside the range of TOTP time steps (1970 to 2^64 s)")
        }
        return whole
    }

    /// RFC 4226 §5.3: HMAC of the 8-byte big-endian counter, dynamic truncation, modulo 10^digits, as ASCII.
    static func codeDigits(key: SymmetricKey, counter: UInt64, parameters: TOTPParameters) -> [UInt8] {
        let message = withUnsafeBytes(of: counter.bigEndian) { Array($0) }
        var mac = parameters.algorithm.authenticationCode(for: message, key: key)
        defer { Base32.wipe(&mac) }
        // The MAC is at least 20 bytes, so offset + 3 <= 15 + 3 is always inside it.
        let offset = Int(mac[mac.count - 1] & 0x0F)
        var value =
            (UInt32(mac[offset] & 0x7F) << 24) | (UInt32(mac[offset + 1]) << 16)
            | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        var digits = [UInt8](repeating: UInt8(ascii: "0"), count: parameters.digits)
        for index in stride(from: parameters.digits - 1, through: 0, by: -1) {
            digits[index] = UInt8(ascii: "0") + UInt8(value % 10)
            value /= 10
        }
        return digits
    }
}

extension UInt64 {
    /// `self + offset`, or `nil` when the result would leave `0...UInt64.max`.
    fileprivate func adding(_ offset: Int) -> UInt64? {
        if offset >= 0 {
            let (sum, overflow) = addingReportingOverflow(UInt64(offset))
            return overflow ? nil : sum
        }
        let magnitude = offset.magnitude
        return self >= UInt64(magnitude) ? self - UInt64(magnitude) : nil
    }
}
