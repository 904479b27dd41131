import Foundation

/// Why a new password was refused: a reason code for the end user's message, never the password.
public enum PasswordRefusal: String, Sendable, Hashable, CaseIterable {
    /// Shorter than the minimum length.
    case tooShort = "too_short"
    /// Longer than the hasher accepts.
    case tooLong = "too_long"
    /// On the list of common passwords.
    case common
    /// In the operator's breached-password corpus.
    case breached
    /// Built from the account's own context (the email's local part, the service name).
    case contextual
}

/// A source of passwords that must not be used (a common-password list, a breach corpus).
public protocol PasswordScreen: Sendable {
    /// The refusal for `password`, or nil when this screen has nothing against it.
    func refusal(for password: String) throws -> PasswordRefusal?
}

/// NIST SP 800-63B §5.1.1.2 for new passwords: a minimum length, long passwords accepted, no composition rules,
/// and a check against passwords known to be common, breached or derived from the account's context.
///
/// The minimum is 8 characters by default: NIST's floor when a password is one factor of several. A deployment
/// where the password is the only factor should set 15 (NIST's current guidance for single-factor passwords);
/// the default is 8 because most Tessera deployments offer TOTP. Length counts Unicode characters after NFKC.
public struct PasswordRules: Sendable {
    /// The fewest characters accepted (default 8).
    public var minimumLength: Int
    /// Further screens: the common-password list, an operator's Pwned Passwords file.
    public var screens: [any PasswordScreen]
    /// Words no password may be built from, besides the email's local part (default `tessera`).
    public var contextWords: [String]

    /// Creates rules.
    public init(minimumLength: Int = 8, screens: [any PasswordScreen] = [], contextWords: [String] = ["tessera"]) {
        self.minimumLength = minimumLength
        self.screens = screens
        self.contextWords = contextWords
    }

    /// Refuses settings outside their ranges.
    public func validate() throws {
        guard (8...64).contains(minimumLength) else {
            throw AuthError(.invalidArgument, "the minimum password length must be 8-64 (NIST SP 800-63B)")
        }
    }

    /// The refusal for a new password of the account with `email`, or nil when it is acceptable.
    /// - Parameters:
    ///   - password: The candidate.
    ///   - email: The account's (normalised) email address, whose local part is a context word.
    ///   - maxBytes: The hasher's limit.
    public func refusal(for password: String, email: String, maxBytes: Int) throws -> PasswordRefusal? {
        let normalized = password.precomposedStringWithCompatibilityMapping
        guard normalized.count >= minimumLength else { return .tooShort }
        guard password.utf8.count <= maxBytes else { return .tooLong }
        let folded = normalized.lowercased()
        let local = email.split(separator: "@").first.map(String.init) ?? ""
        for word in contextWords + [local] where word.count >= 4 {
            if Self.isDerived(folded, from: word.lowercased()) { return .contextual }
        }
        for screen in screens {
            if let refusal = try screen.refusal(for: password) { return refusal }
        }
        return nil
    }

    /// Whether the password is the word itself, or the word with only a few characters around it (digits,
    /// punctuation or repeats: `alice2024!`, `tessera123`).
    static func isDerived(_ password: String, from word: String) -> Bool {
        guard let range = password.range(of: word) else { return false }
        let rest = password.count - word.count
        let remainder = password[..<range.lowerBound] + password[range.upperBound...]
        return rest <= 4 || remainder.allSatisfy { !$0.isLetter }
    }
}

extension CommonPasswordList: PasswordScreen {
    /// `common` when the list has the password.
    public func refusal(for password: String) throws -> PasswordRefusal? {
        contains(password) ? .common : nil
    }
}

extension PwnedPasswordsRangeFile: PasswordScreen {
    /// `breached` when the corpus has the password at least once.
    public func refusal(for password: String) throws -> PasswordRefusal? {
        try occurrences(of: password) > 0 ? .breached : nil
    }
}
