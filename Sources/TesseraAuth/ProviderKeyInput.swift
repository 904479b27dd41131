import TesseraAudit

/// The checks a provider-key request's fields pass before anything is sealed or read; each failure is
/// ``AuthError/Code/invalidArgument`` naming the field, never echoing it.
enum ProviderKeyInput {
    /// The shortest API key accepted: the last four characters are stored in clear for display, so a shorter key
    /// would give away too large a share of itself.
    static let minAPIKeyBytes = 16
    /// The longest API key accepted (real ones are 40 to 200 characters).
    static let maxAPIKeyBytes = 4_096
    /// The longest display or model name.
    static let maxNameBytes = 128

    /// A provider type: an ``AuditName`` (1 to 48 bytes of lowercase letters, digits, `.`, `_`, `-`, starting with
    /// a letter), because it is part of the encryption context and written to the audit log.
    static func providerType(_ raw: String) throws -> String {
        guard AuditName.isValid(raw) else {
            throw AuthError(
                .invalidArgument,
                "the provider type must be 1 to 48 lowercase letters, digits, '.', '_' or '-', starting with a letter"
            )
        }
        return raw
    }

    /// A display or model name: at most ``maxNameBytes`` bytes, no control characters; empty means none.
    static func name(_ raw: String, field: String) throws -> String? {
        guard !raw.isEmpty else { return nil }
        guard raw.utf8.count <= maxNameBytes else {
            throw AuthError(.invalidArgument, "the \(field) is longer than \(maxNameBytes) bytes")
        }
        guard raw.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7f && !(0x80...0x9f ~= $0.value) })
        else {
            throw AuthError(.invalidArgument, "the \(field) contains a control character")
        }
        return raw
    }

    /// An API key: ``minAPIKeyBytes`` to ``maxAPIKeyBytes`` bytes of printable ASCII without spaces (what every
    /// provider issues), so its last four characters are four bytes and it cannot smuggle a control character.
    static func apiKey(_ raw: String) throws -> [UInt8] {
        let bytes = Array(raw.utf8)
        guard bytes.count >= minAPIKeyBytes, bytes.count <= maxAPIKeyBytes else {
            throw AuthError(
                .invalidArgument, "the API key must be \(minAPIKeyBytes) to \(maxAPIKeyBytes) bytes long"
            )
        }
        guard bytes.allSatisfy({ (0x21...0x7e).contains($0) }) else {
            throw AuthError(.invalidArgument, "the API key must be printable ASCII without spaces")
        }
        return bytes
    }
}
