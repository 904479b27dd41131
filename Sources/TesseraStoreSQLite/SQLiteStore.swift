import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLiteNIO
import Synchronization
import TesseraStore

/// The embedded SQLite backend of ``TesseraStore``: one database file, zero set-up.
///
/// The file (and its directory) is created on first start, in WAL mode with foreign keys enforced and a busy
/// timeout for other processes' locks. All calls into libsqlite3 run on the connection's own one-thread
/// `NIOThreadPool`, never on an event loop.
/// The store holds one connection and serialises every operation on it (``AsyncSerialLock``); write transactions
/// start with `BEGIN IMMEDIATE`, so across processes writers are serialised by SQLite's own lock.
///
/// Tables carry their PostgreSQL schema as a name prefix: `auth.users` is `auth_users`, `tessera.keyring_versions`
/// is `tessera_keyring_versions`, and so on (see docs/storage.md).
public final class SQLiteStore: TesseraStore {
    let connection: SQLiteConnection
    /// The connection's own thread. A statement waiting out another process's (or store's) lock blocks its thread;
    /// with a shared pool, enough such waits starve the connection that holds the lock of the thread it needs to
    /// finish, and every waiter then fails with SQLITE_BUSY. One thread per connection cannot starve that way.
    let threadPool: NIOThreadPool
    let lock = AsyncSerialLock()
    let migrations: [Migration]
    let logger: Logger
    /// Whether this value is the `tx` of ``transaction(_:)``: it runs inside the lock and the open transaction.
    let isBound: Bool
    /// Whether this store's audit sequencer lease is held: one sequencer per store in the process.
    let sequencerLeaseHeld = Mutex(false)

    private init(
        connection: SQLiteConnection,
        threadPool: NIOThreadPool,
        migrations: [Migration],
        logger: Logger,
        isBound: Bool = false
    ) {
        self.connection = connection
        self.threadPool = threadPool
        self.migrations = migrations
        self.logger = logger
        self.isBound = isBound
    }

    /// Opens (creating if needed) the database file and configures the connection.
    /// - Parameters:
    ///   - configuration: The file and timeouts.
    ///   - logger: Where to log (debug level and below only).
    ///   - migrations: The migrations this store knows (default ``SQLiteMigrations/all``).
    /// - Returns: The open store; call ``close()`` when done.
    /// - Throws: ``StoreError/Code/connection`` when the file cannot be created or opened.
    public static func open(
        configuration: SQLiteStoreConfiguration = SQLiteStoreConfiguration(),
        logger: Logger = Logger(label: "tessera.store.sqlite"),
        migrations: [Migration] = SQLiteMigrations.all
    ) async throws -> SQLiteStore {
        let directory = URL(fileURLWithPath: configuration.path).deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(
                atPath: directory,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
        } catch {
            throw StoreError(.connection, "the database directory could not be created")
        }
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(
                storage: .file(path: configuration.path),
                threadPool: threadPool,
                logger: logger,
                on: MultiThreadedEventLoopGroup.singleton.any()
            )
        } catch {
            try? await threadPool.shutdownGracefully()
            throw StoreError(.connection, "the database file could not be opened")
        }
        // The file holds sealed secrets and hashes: readable by its owner only (SQLite gives the -wal and -shm
        // files the same mode).
        try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: configuration.path)
        let store = SQLiteStore(
            connection: connection,
            threadPool: threadPool,
            migrations: migrations,
            logger: logger
        )
        do {
            // PRAGMA values cannot be bound; the timeout is an integer from the configuration, not user input.
            let milliseconds = max(0, Int(DurationSeconds.of(configuration.busyTimeout) * 1000))
            _ = try await connection.query("PRAGMA busy_timeout = \(milliseconds)", [])
            _ = try await connection.query("PRAGMA journal_mode = WAL", [])
            _ = try await connection.query("PRAGMA foreign_keys = ON", [])
            _ = try await connection.query("PRAGMA synchronous = NORMAL", [])
        } catch {
            try? await store.close()
            throw Self.translate(error)
        }
        return store
    }

    /// Opens a store, runs `body`, and closes the store.
    /// - Parameters:
    ///   - configuration: The file and timeouts.
    ///   - logger: Where to log.
    ///   - migrations: The migrations the store knows.
    ///   - body: The work to do.
    /// - Returns: What `body` returns.
    public static func withStore<Result: Sendable>(
        configuration: SQLiteStoreConfiguration = SQLiteStoreConfiguration(),
        logger: Logger = Logger(label: "tessera.store.sqlite"),
        migrations: [Migration] = SQLiteMigrations.all,
        _ body: (SQLiteStore) async throws -> Result
    ) async throws -> Result {
        let store = try await Self.open(configuration: configuration, logger: logger, migrations: migrations)
        do {
            let result = try await body(store)
            try await store.close()
            return result
        } catch {
            try? await store.close()
            throw error
        }
    }

    /// Closes the connection and stops its thread; the store cannot be used afterwards.
    public func close() async throws {
        try await self.lock.withLock {
            do {
                try await self.connection.close()
            } catch {
                try? await self.threadPool.shutdownGracefully()
                throw Self.translate(error)
            }
            try await self.threadPool.shutdownGracefully()
        }
    }

    // MARK: Unit of work

    /// Runs `body` in one `BEGIN IMMEDIATE` transaction (see ``TesseraStore/TransactionStore``). Inside a
    /// transaction already, `body` joins it.
    public func transaction<Result: Sendable>(
        _ body: @Sendable (any TesseraStore) async throws -> Result
    ) async throws -> Result {
        try await self.withTransaction { store in
            let bound = SQLiteStore(
                connection: store.connection, threadPool: store.threadPool, migrations: store.migrations,
                logger: store.logger, isBound: true
            )
            do {
                return try await body(bound)
            } catch let error as StoreError {
                throw error
            } catch {
                throw CallerError(error)
            }
        }
    }

    // MARK: Plumbing

    /// Runs one statement under the lock (or in the bound transaction) and returns its rows.
    func rows(_ sql: String, _ binds: [SQLiteData]) async throws -> [SQLiteRowReader] {
        if isBound {
            return try await self.unlockedRows(sql, binds)
        }
        return try await self.lock.withLock {
            try await self.unlockedRows(sql, binds)
        }
    }

    /// Runs `body` in a `BEGIN IMMEDIATE` transaction under the lock, rolling back when it throws. On a store bound
    /// to a transaction, `body` runs in that one (no nesting): the outer transaction commits or rolls back all.
    func withTransaction<Result: Sendable>(_ body: (SQLiteStore) async throws -> Result) async throws -> Result {
        if isBound {
            do {
                return try await body(self)
            } catch let error as CallerError {
                throw error.underlying
            }
        }
        return try await self.lock.withLock {
            _ = try await self.unlockedRows("BEGIN IMMEDIATE", [])
            do {
                let result = try await body(self)
                _ = try await self.unlockedRows("COMMIT", [])
                return result
            } catch let error as CallerError {
                _ = try? await self.unlockedRows("ROLLBACK", [])
                throw error.underlying
            } catch {
                _ = try? await self.unlockedRows("ROLLBACK", [])
                throw error
            }
        }
    }

    /// Runs one statement; the caller must hold the lock (inside ``withTransaction(_:)``).
    func unlockedRows(_ sql: String, _ binds: [SQLiteData]) async throws -> [SQLiteRowReader] {
        do {
            return try await self.connection.query(sql, binds).map(SQLiteRowReader.init)
        } catch {
            throw Self.translate(error)
        }
    }

    /// Maps a driver error to a ``StoreError`` carrying no driver text and no data value.
    static func translate(_ error: any Error) -> StoreError {
        if let error = error as? StoreError {
            return error
        }
        guard let error = error as? SQLiteError else {
            return StoreError(.backend, "the database operation failed")
        }
        switch error.reason {
        case .constraintUniqueFailed, .constraintPrimaryKeyFailed:
            return StoreError(SQLiteConstraints.uniqueViolation(message: error.message), "a unique value is taken")
        case .constraintForeignKeyFailed:
            return StoreError(.foreignKey, "a referenced row does not exist")
        case .constraintCheckFailed, .constraintNotNullFailed, .constraintStrictDataTypeFailed, .mismatch, .tooBig:
            return StoreError(.invalidValue, "a value is not allowed here")
        case .cantOpen, .cantOpenDirectory, .cantOpenInvalidPath, .notADatabase, .ioError, .readOnly:
            return StoreError(.connection, "the database file could not be used")
        case .busy, .busyInRecovery, .busyInSnapshot, .busyTimeout, .locked, .lockedBySharedCache:
            return StoreError(.conflict, "the database was busy with a concurrent operation; nothing was changed")
        default:
            return StoreError(.backend, "the database refused the operation")
        }
    }
}
