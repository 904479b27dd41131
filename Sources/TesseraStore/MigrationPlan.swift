/// Decides which migrations to apply given what the database has recorded.
public enum MigrationPlan {
    /// The migrations of `known` not yet in `applied`, in version order.
    ///
    /// - Parameters:
    ///   - known: The migrations this code knows.
    ///   - appliedVersion: The highest version recorded in the database (0 when none).
    /// - Returns: The pending migrations, in order.
    /// - Throws: ``StoreError/Code/schemaTooNew`` when the database is ahead of `known`;
    ///   ``StoreError/Code/invalidConfiguration`` when `known` is not numbered 1, 2, 3… in order.
    public static func pending(known: [Migration], appliedVersion: Int) throws -> [Migration] {
        for (index, migration) in known.enumerated() where migration.version != index + 1 {
            throw StoreError(.invalidConfiguration, "migrations are not numbered 1, 2, 3… in order")
        }
        guard appliedVersion <= known.count else {
            throw StoreError(.schemaTooNew, "the database schema is newer than this version of Tessera knows")
        }
        return Array(known.dropFirst(appliedVersion))
    }
}
