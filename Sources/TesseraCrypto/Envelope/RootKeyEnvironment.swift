import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A root key in an environment variable (default `TESSERA_ROOT_KEY`), as standard base64 of 32 bytes.
///
/// For container deployments that inject secrets as environment variables. Keys from the environment are never
/// marked as development keys unless they match a committed development fingerprint.
///
/// Read from the process's own environment, the variable's bytes are decoded in place into locked memory, then
/// overwritten with zeros and the variable removed (`unsetenv`), so the key neither stays in the process's memory
/// as text nor reaches a child process. (A copy the process made before, such as a
/// `ProcessInfo.processInfo.environment` read, is beyond reach: read the key first.)
public struct RootKeyEnvironment: RootKeySource {
    /// The variable's name.
    public var variable: String
    /// The environment to read, or nil for the process's own (read in place, then wiped and unset).
    public var environment: [String: String]?

    /// Creates the source.
    ///
    /// - Parameters:
    ///   - variable: The variable (default ``RootKey/environmentVariable``).
    ///   - environment: The environment; nil (the default) for the process's own.
    public init(variable: String = RootKey.environmentVariable, environment: [String: String]? = nil) {
        self.variable = variable
        self.environment = environment
    }

    /// Whether the variable is set (and not empty).
    public var isSet: Bool {
        if let environment { return !(environment[variable] ?? "").isEmpty }
        guard let value = getenv(variable) else { return false }
        return value.pointee != 0
    }

    /// Reads and decodes the variable; from the process's environment, then wipes and unsets it.
    ///
    /// - Returns: The key.
    /// - Throws: `CryptoError(.invalidParameter)` when unset, `CryptoError(.malformedSecret)` when malformed (the
    ///   variable is wiped and unset then too).
    public func loadRootKey() throws -> RootKey {
        let origin = "environment \(variable)"
        if let environment {
            guard let value = environment[variable], !value.isEmpty else { throw notSet }
            return try RootKey(base64: value, origin: origin)
        }
        guard let value = getenv(variable), value.pointee != 0 else { throw notSet }
        let length = strlen(value)
        defer {
            memset(value, 0, length)
            unsetenv(variable)
        }
        return try RootKey(base64: UnsafeRawBufferPointer(start: value, count: length), origin: origin)
    }

    private var notSet: CryptoError {
        CryptoError(.invalidParameter, "the environment variable \(variable) is not set")
    }
}
