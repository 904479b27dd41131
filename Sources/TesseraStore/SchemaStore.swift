import Foundation

/// The schema: migrations and the check a server makes before it starts.
///
/// One of the narrow protocols ``TesseraStore`` is composed of: a flow, and its in-memory fake, depends only on the
/// parts it uses. Every method is a single atomic unit against the database.
public protocol SchemaStore: Sendable {

    /// Applies every pending migration, each in its own transaction, and returns those it applied (empty when the
    /// schema was already current).
    /// - Throws: ``StoreError/Code/schemaTooNew`` when the database has a migration this code does not know.
    func migrate() async throws -> [Migration]

    /// The highest migration version applied to the database, or 0 for an empty database.
    func schemaVersion() async throws -> Int

    /// Verifies that the database is at exactly the schema this code knows (for a server about to start).
    /// - Throws: ``StoreError/Code/schemaTooNew`` when the database is ahead of this code;
    ///   ``StoreError/Code/migrationFailed`` when migrations are pending.
    func checkSchema() async throws
}
