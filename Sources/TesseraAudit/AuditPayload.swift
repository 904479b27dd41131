import Foundation

/// The details of an audit entry, typed so that a secret cannot be put in.
///
/// Every field is named by an ``AuditName`` and holds one of: an id (`UUID`), a count or a key version (integers),
/// an ``AuditOutcome``, a duration, a flag, or an identifier that is itself an ``AuditName`` (e.g. a provider type).
/// There is no setter taking a `String`: free text, and with it a token, password, key or plaintext, has no way in.
///
/// The payload is stored as a JSON object of strings (`audits.audit_log.payload`); ``fields`` is that map.
public struct AuditPayload: Sendable, Hashable {
    /// The encoded fields: name → value text.
    public private(set) var fields: [String: String]

    /// An empty payload.
    public init() {
        self.fields = [:]
    }

    /// Sets an id field (stored as a lowercase UUID).
    /// - Parameters:
    ///   - name: The field.
    ///   - id: The id.
    public mutating func set(_ name: AuditName, id: UUID) {
        fields[name.rawValue] = id.uuidString.lowercased()
    }

    /// Sets a count (stored in decimal).
    /// - Parameters:
    ///   - name: The field.
    ///   - count: The count.
    public mutating func set(_ name: AuditName, count: Int64) {
        fields[name.rawValue] = String(count)
    }

    /// Sets a master key version (stored in decimal).
    /// - Parameters:
    ///   - name: The field.
    ///   - keyVersion: The version.
    public mutating func set(_ name: AuditName, keyVersion: Int) {
        fields[name.rawValue] = String(keyVersion)
    }

    /// Sets an outcome.
    /// - Parameters:
    ///   - name: The field.
    ///   - outcome: The outcome.
    public mutating func set(_ name: AuditName, outcome: AuditOutcome) {
        fields[name.rawValue] = outcome.rawValue
    }

    /// Sets a duration (stored as whole milliseconds).
    /// - Parameters:
    ///   - name: The field.
    ///   - duration: The duration.
    public mutating func set(_ name: AuditName, duration: Duration) {
        let (seconds, attoseconds) = duration.components
        fields[name.rawValue] = String(seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }

    /// Sets a flag (`true` / `false`).
    /// - Parameters:
    ///   - name: The field.
    ///   - flag: The flag.
    public mutating func set(_ name: AuditName, flag: Bool) {
        fields[name.rawValue] = flag ? "true" : "false"
    }

    /// Sets an identifier (e.g. a provider type or a reason name), checked by ``AuditName``'s rules.
    /// - Parameters:
    ///   - name: The field.
    ///   - identifier: The value.
    public mutating func set(_ name: AuditName, identifier: AuditName) {
        fields[name.rawValue] = identifier.rawValue
    }

    /// Whether a stored map could have been produced by this type: every name is an ``AuditName`` and every value
    /// is a UUID, an integer, or an ``AuditName``. The verifier does not require it (the signature decides), but
    /// tooling can use it to flag entries written by something else.
    ///
    /// - Parameter fields: A stored payload.
    /// - Returns: True when every field has an allowed shape.
    public static func isWellFormed(_ fields: [String: String]) -> Bool {
        fields.allSatisfy { name, value in
            AuditName.isValid(name)
                && (UUID(uuidString: value) != nil || Int64(value) != nil || AuditName.isValid(value))
        }
    }
}
