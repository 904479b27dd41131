/// One versioned schema change: an ordered list of statements applied in one transaction and recorded in the
/// migration bookkeeping table.
///
/// The statements are fixed DDL text written in the backend's source, never built from runtime values.
public struct Migration: Sendable, Hashable {
    /// The version, strictly increasing from 1 without gaps.
    public var version: Int
    /// A short name, e.g. `auth-schema`.
    public var name: String
    /// The statements, run in order inside one transaction.
    public var statements: [String]

    /// Creates a migration.
    /// - Parameters:
    ///   - version: The version (1, 2, …).
    ///   - name: A short name.
    ///   - statements: The statements, one per element.
    public init(version: Int, name: String, statements: [String]) {
        self.version = version
        self.name = name
        self.statements = statements
    }
}
