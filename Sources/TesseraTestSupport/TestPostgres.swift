import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A throwaway PostgreSQL server for tests, started once per test process.
///
/// The first call to ``shared()`` runs `initdb` into a fresh temporary directory, starts the server with `pg_ctl` on a
/// free port of 127.0.0.1 (and a Unix socket inside that directory), with durability switched off for speed. A small
/// watchdog process stops the server and deletes the directory as soon as the test process exits, however it exits.
///
/// PostgreSQL refuses to run as root; when the tests run as root, the server is run as the `postgres` system user
/// that Debian's `postgresql` package creates (through `runuser`, or `setpriv` when `runuser` is missing).
///
/// When `TESSERA_TEST_DATABASE_URL` is set (e.g. `postgres://user:pass@127.0.0.1:5432/postgres`), no server is
/// started: the given server is used instead, and every test database is still created and dropped by the tests.
public actor TestPostgres {
    /// Where a database server can be reached.
    public struct Endpoint: Sendable, Equatable {
        /// The host name or address.
        public var host: String
        /// The TCP port.
        public var port: Int
        /// The superuser (or a role allowed to create databases).
        public var username: String
        /// The password, if the server needs one.
        public var password: String?

        /// A `postgres://` URL for `database` on this endpoint (TLS disabled: the server is on loopback).
        /// - Parameter database: The database name.
        /// - Returns: The URL text.
        public func url(database: String) -> String {
            var credentials = Self.percentEncode(self.username)
            if let password = self.password {
                credentials += ":" + Self.percentEncode(password)
            }
            return "postgres://\(credentials)@\(self.host):\(self.port)/\(database)?sslmode=disable"
        }

        private static func percentEncode(_ text: String) -> String {
            text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
        }
    }

    /// The process-wide instance, started on first use.
    private static let instance = TestPostgres()

    private var started: Task<Server, any Error>?

    private init() {}

    /// Returns the process-wide throwaway server, starting it on first use.
    ///
    /// - Returns: The running server's endpoint.
    /// - Throws: ``TestSupportError`` when PostgreSQL cannot be found, initialised or started.
    public static func shared() async throws -> Endpoint {
        try await Self.instance.start().endpoint
    }

    /// Creates a fresh, uniquely named database, runs `body` with its URL, then drops it.
    ///
    /// - Parameter body: The work to do against the database; it gets a `postgres://` URL.
    /// - Returns: What `body` returns.
    /// - Throws: What `body` throws, or ``TestSupportError`` when the database cannot be created.
    public static func withTemporaryDatabase<Result: Sendable>(
        _ body: (String) async throws -> Result
    ) async throws -> Result {
        let server = try await Self.instance.start()
        let name = "tessera_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await server.client(["createdb", name])
        do {
            let result = try await body(server.endpoint.url(database: name))
            try? await server.client(["dropdb", "--force", name])
            return result
        } catch {
            try? await server.client(["dropdb", "--force", name])
            throw error
        }
    }

    /// Drops the database a ``withTemporaryDatabase(_:)`` URL names at once, closing its open connections: the
    /// way to make a store's database disappear under it.
    ///
    /// - Parameter url: A URL given by ``withTemporaryDatabase(_:)``.
    /// - Throws: ``TestSupportError`` when the URL names no database or `dropdb` fails.
    public static func dropDatabase(url: String) async throws {
        let server = try await Self.instance.start()
        guard let name = URLComponents(string: url)?.path.dropFirst(), name.hasPrefix("tessera_test_") else {
            throw TestSupportError("not a temporary test database: refusing to drop it")
        }
        try await server.client(["dropdb", "--force", String(name)])
    }

    /// Runs `psql` as the server's superuser against the database a ``withTemporaryDatabase(_:)`` URL names, e.g.
    /// to apply an SQL file the way an operator would (`-v ON_ERROR_STOP=1 -f file.sql`).
    ///
    /// - Parameters:
    ///   - url: A URL given by ``withTemporaryDatabase(_:)``.
    ///   - arguments: psql's arguments after the connection options (`-X` and the database are added here).
    ///   - environment: Variables added to psql's environment (e.g. ones an SQL file reads with `\getenv`).
    /// - Throws: ``TestSupportError`` when the URL names no database or psql exits non-zero (its output's tail
    ///   is in the message).
    public static func psql(url: String, _ arguments: [String], environment: [String: String] = [:]) async throws {
        let server = try await Self.instance.start()
        guard let name = URLComponents(string: url)?.path.dropFirst(), !name.isEmpty else {
            throw TestSupportError("the URL names no database")
        }
        try await server.client(["psql", "-X", "-d", String(name)] + arguments, environment: environment)
    }

    private func start() async throws -> Server {
        if let started = self.started {
            return try await started.value
        }
        let task = Task { try await Server.launch() }
        self.started = task
        return try await task.value
    }
}

/// A running (or externally provided) PostgreSQL server and the client tools to manage it.
struct Server: Sendable {
    let endpoint: TestPostgres.Endpoint
    let binDirectory: String

    /// Runs a client tool (`createdb`, `dropdb`, `psql`) against the server, with `extra` added to its environment.
    func client(_ arguments: [String], environment extra: [String: String] = [:]) async throws {
        guard let tool = arguments.first else { return }
        var environment = ProcessInfo.processInfo.environment.merging(extra) { _, added in added }
        if let password = self.endpoint.password {
            environment["PGPASSWORD"] = password
        }
        let connection = [
            "-h", self.endpoint.host, "-p", String(self.endpoint.port), "-U", self.endpoint.username,
        ]
        try await Command.run(
            self.binDirectory + "/" + tool,
            connection + arguments.dropFirst(),
            environment: environment
        )
    }

    static func launch() async throws -> Server {
        let binDirectory = try Self.findBinDirectory()
        if let url = ProcessInfo.processInfo.environment["TESSERA_TEST_DATABASE_URL"], !url.isEmpty {
            return Server(endpoint: try Self.endpoint(fromURL: url), binDirectory: binDirectory)
        }
        return try await Self.launchThrowaway(binDirectory: binDirectory)
    }

    private static func endpoint(fromURL url: String) throws -> TestPostgres.Endpoint {
        guard let components = URLComponents(string: url), let host = components.host,
            let username = components.user
        else {
            throw TestSupportError("TESSERA_TEST_DATABASE_URL is not a postgres:// URL with a host and a user")
        }
        return TestPostgres.Endpoint(
            host: host,
            port: components.port ?? 5432,
            username: username,
            password: components.password
        )
    }

    private static func launchThrowaway(binDirectory: String) async throws -> Server {
        let temporary =
            NSTemporaryDirectory().hasSuffix("/") ? String(NSTemporaryDirectory().dropLast()) : NSTemporaryDirectory()
        var template = Array((temporary + "/tessera-pg-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.flatMap { mkdtemp($0) }
        }
        guard made != nil else {
            throw TestSupportError("could not create a temporary directory for PostgreSQL")
        }
        let directory = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let dataDirectory = directory + "/data"
        let runAs = try RunAs.current(owning: directory)
        let username = "tessera"

        let initdb = runAs.command(
            binDirectory + "/initdb",
            ["-D", dataDirectory, "-U", username, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"]
        )
        try await Command.run(initdb.executable, initdb.arguments)
        // The watchdog outlives a crashed or killed test process and cleans up behind it.
        Watchdog.start(
            parent: getpid(),
            pgCtl: binDirectory + "/pg_ctl",
            dataDirectory: dataDirectory,
            directory: directory,
            runAs: runAs
        )

        var lastError: (any Error)?
        for _ in 0..<5 {
            let port = try FreePort.find()
            let options = [
                "-c listen_addresses=127.0.0.1", "-p \(port)", "-k \(directory)", "-c fsync=off",
                "-c synchronous_commit=off", "-c full_page_writes=off", "-c max_connections=400",
                "-c shared_buffers=32MB",
            ].joined(separator: " ")
            do {
                let pgCtl = runAs.command(
                    binDirectory + "/pg_ctl",
                    ["-D", dataDirectory, "-l", directory + "/server.log", "-o", options, "-w", "-t", "60", "start"]
                )
                try await Command.run(pgCtl.executable, pgCtl.arguments)
                return Server(
                    endpoint: TestPostgres.Endpoint(host: "127.0.0.1", port: port, username: username, password: nil),
                    binDirectory: binDirectory
                )
            } catch {
                // Most likely another process took the port between the probe and the start: try another one.
                lastError = error
            }
        }
        throw lastError ?? TestSupportError("PostgreSQL did not start")
    }

    /// The newest `/usr/lib/postgresql/<version>/bin` holding `initdb` and `pg_ctl`, or `PG_BIN` when set.
    static func findBinDirectory() throws -> String {
        let fileManager = FileManager.default
        if let explicit = ProcessInfo.processInfo.environment["PG_BIN"],
            fileManager.isExecutableFile(atPath: explicit + "/initdb")
        {
            return explicit
        }
        let root = "/usr/lib/postgresql"
        let versions = ((try? fileManager.contentsOfDirectory(atPath: root)) ?? [])
            .compactMap { Int($0) }
            .sorted(by: >)
        for version in versions {
            let bin = "\(root)/\(version)/bin"
            if fileManager.isExecutableFile(atPath: bin + "/initdb"),
                fileManager.isExecutableFile(atPath: bin + "/pg_ctl")
            {
                return bin
            }
        }
        throw TestSupportError(
            "PostgreSQL server binaries not found under /usr/lib/postgresql: install the `postgresql` package"
        )
    }
}
