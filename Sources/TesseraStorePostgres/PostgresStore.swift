import Foundation
import Logging
import PostgresNIO
import TesseraStore

/// The PostgreSQL backend of ``TesseraStore``, over postgres-nio's pooled `PostgresClient`.
///
/// The client's background work must run: either call ``run()`` in a task (or a service group) for the store's
/// lifetime, or use ``withStore(configuration:logger:migrations:_:)``, which does it for you. Every query binds its
/// values through `PostgresQuery` interpolation; no SQL text is ever built from a value.
public final class PostgresStore: TesseraStore {
    let client: PostgresClient
    let logger: Logger
    let migrations: [Migration]
    /// The open transaction this value is bound to (the `tx` of ``transaction(_:)``), or nil for the pooled store.
    let bound: PostgresTransaction?

    /// Creates a store; no connection is made until the first query (and ``run()`` must be running by then).
    /// - Parameters:
    ///   - configuration: Where the database is.
    ///   - logger: Where to log (debug level and below only).
    ///   - migrations: The migrations this store knows (default ``PostgresMigrations/all``).
    public init(
        configuration: PostgresStoreConfiguration,
        logger: Logger = Logger(label: "tessera.store.postgres"),
        migrations: [Migration] = PostgresMigrations.all
    ) {
        self.client = PostgresClient(configuration: configuration.client, backgroundLogger: logger)
        self.logger = logger
        self.migrations = migrations
        self.bound = nil
    }

    /// The store bound to one open transaction: every statement runs on its connection.
    private init(bound transaction: PostgresTransaction, of store: PostgresStore) {
        self.client = store.client
        self.logger = store.logger
        self.migrations = store.migrations
        self.bound = transaction
    }

    /// Runs the connection pool until the calling task is cancelled.
    public func run() async {
        await self.client.run()
    }

    /// Creates a store, runs its pool in a child task while `body` runs, then shuts the pool down.
    /// - Parameters:
    ///   - configuration: Where the database is.
    ///   - logger: Where to log.
    ///   - migrations: The migrations the store knows.
    ///   - body: The work to do with the store.
    /// - Returns: What `body` returns.
    public static func withStore<Result: Sendable>(
        configuration: PostgresStoreConfiguration,
        logger: Logger = Logger(label: "tessera.store.postgres"),
        migrations: [Migration] = PostgresMigrations.all,
        _ body: (PostgresStore) async throws -> Result
    ) async throws -> Result {
        let store = PostgresStore(configuration: configuration, logger: logger, migrations: migrations)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            // Wait until the pool task has begun, so that the first query does not race `run()` (postgres-nio
            // warns about, and queues, a lease made before `run()` was called).
            let (started, signal) = AsyncStream.makeStream(of: Void.self)
            group.addTask {
                signal.finish()
                await store.run()
            }
            for await _ in started {}
            defer { group.cancelAll() }
            return try await body(store)
        }
    }

    // MARK: Unit of work

    /// Runs `body` in one transaction on one pooled connection (see ``TesseraStore/TransactionStore``). Inside a
    /// transaction already, `body` joins it.
    public func transaction<Result: Sendable>(
        _ body: @Sendable (any TesseraStore) async throws -> Result
    ) async throws -> Result {
        try await self.withTransaction { transaction in
            do {
                return try await body(PostgresStore(bound: transaction, of: self))
            } catch let error as StoreError {
                throw error
            } catch {
                throw CallerError(error)
            }
        }
    }

    // MARK: Plumbing

    /// Runs one statement and returns its rows, translating driver errors; on the bound transaction's connection
    /// when there is one.
    @discardableResult
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        do {
            if let bound {
                return try await bound.rows(query)
            }
            return try await self.client.query(query, logger: self.logger).collect()
        } catch {
            throw Self.translate(error)
        }
    }

    /// Runs `body` inside BEGIN … COMMIT on one pooled connection, rolling back when it throws. BEGIN and COMMIT
    /// are prepared statements (parsed once per connection); ROLLBACK is not, so that nothing is ever prepared in a
    /// failed transaction (postgres-nio would remember the failure for the connection's lifetime).
    ///
    /// On a store bound to a transaction, `body` runs in that transaction (no nesting, no savepoint): the outer
    /// transaction commits or rolls back everything.
    func withTransaction<Result: Sendable>(
        _ body: @Sendable (PostgresTransaction) async throws -> Result
    ) async throws -> Result {
        if let bound {
            do {
                return try await body(bound)
            } catch let error as CallerError {
                throw error.underlying
            } catch {
                throw Self.translate(error)
            }
        }
        do {
            return try await self.client.withConnection { connection in
                let transaction = PostgresTransaction(connection: connection, logger: self.logger)
                try await transaction.execute(PostgresStatements.Begin())
                do {
                    let result = try await body(transaction)
                    try await transaction.execute(PostgresStatements.Commit())
                    return result
                } catch {
                    try? await transaction.run("ROLLBACK")
                    throw error
                }
            }
        } catch let error as CallerError {
            throw error.underlying
        } catch {
            throw Self.translate(error)
        }
    }

    /// Maps a driver error to a ``StoreError`` carrying no driver text and no data value.
    static func translate(_ error: any Error) -> StoreError {
        if let error = error as? StoreError {
            return error
        }
        if let error = error as? PostgresDecodingError {
            _ = error
            return StoreError(.backend, "a stored value could not be decoded")
        }
        guard let error = error as? PSQLError else {
            return StoreError(.backend, "the database operation failed")
        }
        switch error.code {
        case .server:
            let state = error.serverInfo?[.sqlState] ?? ""
            let constraint = error.serverInfo?[.constraintName] ?? ""
            switch state {
            case "23505":
                return StoreError(ConstraintCatalog.uniqueViolation(constraint: constraint), "a unique value is taken")
            case "23503":
                return StoreError(.foreignKey, "a referenced row does not exist")
            case "23514", "23502", "22P02", "22001", "22003", "22007", "22008":
                return StoreError(.invalidValue, "a value is not allowed here")
            case "08000", "08001", "08003", "08004", "08006", "57P01", "57P02", "57P03", "28000", "28P01", "3D000":
                return StoreError(.connection, "the database connection failed")
            case "40001", "40P01":
                // serialization_failure, deadlock_detected: the transaction was rolled back whole.
                return StoreError(.conflict, "the operation conflicted with a concurrent one and was rolled back")
            default:
                return StoreError(.backend, "the database refused the operation")
            }
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .poolClosed, .sslUnsupported,
            .failedToAddSSLHandler, .uncleanShutdown, .unsupportedAuthMechanism, .authMechanismRequiresPassword,
            .saslError:
            return StoreError(.connection, "the database connection failed")
        default:
            return StoreError(.backend, "the database operation failed")
        }
    }
}

/// One connection inside an open transaction, handed to transaction bodies.
///
/// It must not escape the body: the connection returns to the pool when the transaction ends.
struct PostgresTransaction: Sendable {
    let connection: PostgresConnection
    let logger: Logger

    /// Runs one statement and returns its rows (errors are translated by the enclosing transaction).
    @discardableResult
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await self.connection.query(query, logger: self.logger).collect()
    }

    /// Runs a prepared statement (prepared on this connection's first use of it) and returns its decoded rows.
    @discardableResult
    func execute<Statement: PostgresPreparedStatement>(_ statement: Statement) async throws -> [Statement.Row] {
        var rows: [Statement.Row] = []
        for try await row in try await self.connection.execute(statement, logger: self.logger) {
            rows.append(row)
        }
        return rows
    }

    /// Runs a fixed statement (transaction control, DDL from a migration).
    func run(_ sql: String) async throws {
        _ = try await self.connection.query(PostgresQuery(unsafeSQL: sql), logger: self.logger).collect()
    }
}
