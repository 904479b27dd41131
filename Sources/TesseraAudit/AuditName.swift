/// A name in the audit log — an entity, an action, a payload field, or an identifier value such as a provider type.
///
/// Names are deliberately narrow so that free text (and with it a token, password, key or plaintext) cannot
/// get into the audit chain: 1…48 bytes of lowercase ASCII letters, digits, `.`, `_` and `-`, starting with a
/// letter, with at most 6 digits. Every Tessera token contains upper-case letters, and hex or base64 secrets
/// contain more digits or characters outside the set, so they are refused.
///
/// Names written in code use ``init(_:)`` with a string literal; names from data (a provider type) use
/// ``init(validating:)``, which throws.
public struct AuditName: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The longest name, in bytes.
    public static let maxBytes = 48
    /// The most digits a name may hold.
    public static let maxDigits = 6

    /// The name.
    public let rawValue: String

    /// Creates a name from a string literal.
    ///
    /// A literal is fixed when the code is written, so it cannot carry a runtime secret; the format is still
    /// checked, and a malformed literal is a programming error caught by the first test that reaches it.
    ///
    /// - Parameter literal: The name, e.g. `"keyring.rotated"`.
    public init(_ literal: StaticString) {
        let text = literal.withUTF8Buffer { String(decoding: $0, as: UTF8.self) }
        precondition(Self.isValid(text), "malformed audit name literal")
        self.rawValue = text
    }

    /// Creates a name from runtime data, after checking it.
    ///
    /// - Parameter text: The candidate.
    /// - Throws: ``AuditError/Code/invalidName`` when it breaks the rules above (the text is not echoed).
    public init(validating text: String) throws {
        guard Self.isValid(text) else {
            throw AuditError(
                .invalidName,
                "an audit name must be 1-\(Self.maxBytes) bytes of [a-z0-9._-] "
                    + "starting with a letter, with at most \(Self.maxDigits) digits")
        }
        self.rawValue = text
    }

    /// Whether `text` is an acceptable name.
    ///
    /// - Parameter text: The candidate.
    /// - Returns: True when it follows the rules above.
    public static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...maxBytes).contains(bytes.count), let first = bytes.first,
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first)
        else { return false }
        var digits = 0
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                continue
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digits += 1
            default:
                return false
            }
        }
        return digits <= maxDigits
    }

    /// Orders by the name's bytes.
    public static func < (lhs: AuditName, rhs: AuditName) -> Bool {
        lhs.rawValue.utf8.lexicographicallyPrecedes(rhs.rawValue.utf8)
    }

    /// The name.
    public var description: String { rawValue }
}
