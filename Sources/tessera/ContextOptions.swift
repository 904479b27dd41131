import ArgumentParser
import TesseraCrypto

/// `--context key=value` pairs bound to a sealed secret as associated data.
struct ContextOptions: ParsableArguments {
    @Option(
        name: .customLong("context"),
        help: ArgumentHelp(
            "A key=value pair bound to the secret (repeatable); opening needs exactly the same pairs.",
            valueName: "key=value"
        )
    )
    var pairs: [String] = []

    /// The pairs in order, split at their first `=`.
    private func entries() throws -> [(String, String)] {
        try pairs.map { pair in
            guard let equals = pair.firstIndex(of: "=") else {
                throw ValidationError("--context takes key=value, got a value without '='")
            }
            return (String(pair[..<equals]), String(pair[pair.index(after: equals)...]))
        }
    }

    /// The context, checked by the crypto layer's rules (no repeated or reserved key).
    func context() throws -> EncryptionContext {
        try EncryptionContext(entries: try entries())
    }

    /// The context as a request's map (`Secrets/Seal`, `Secrets/Open`), after the same checks as ``context()``.
    func dictionary() throws -> [String: String] {
        _ = try context()
        return Dictionary(try entries(), uniquingKeysWith: { first, _ in first })
    }
}
