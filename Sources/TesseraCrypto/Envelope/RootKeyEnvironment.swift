import Foundation

/// A root key in an environment variable (default `TESSERA_ROOT_KEY`), as standard base64 of 32 bytes.
///
/// For container deployments that inject secrets as environment variables. Keys from the environment are never
/// marked as development keys unless they match a committed development fingerprint.
public struct RootKeyEnvironment: RootKeySource {
    /// The variable's name.
    public var variable: String
    /// The environment to read (the process's by default; tests pass their own).
    public var environment: [String: String]

    /// Creates the source.
    ///
    /// - Parameters:
    ///   - variable: The variable (default ``RootKey/environmentVariable``).
    ///   - environment: The environment (default: the process's).
    public init(
        variable: String = RootKey.environmentVariable,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.variable = variable
        self.environment = environment
    }

    /// Whether the variable is set (and not empty).
    public var isSet: Bool {
        !(environment[variable] ?? "").isEmpty
    }

    /// Reads and decodes the variable.
    ///
    /// - Returns: The key.
    /// - Throws: `CryptoError(.invalidParameter)` when unset, `CryptoError(.malformedSecret)` when malformed.
    public func loadRootKey() throws -> RootKey {
        guard let value = environment[variable], !value.isEmpty else {
            throw CryptoError(.invalidParameter, "the environment variable \(variable) is not set")
        }
        return try RootKey(base64: value, origin: "environment \(variable)")
    }
}
