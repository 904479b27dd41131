import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A throwaway PostgreSQL cluster of one test's own, which the test may stop and start again (on the same port):
/// for tests of what a server does while its database is away. The shared ``TestPostgres`` must never be stopped,
/// since other suites run against it in parallel.
///
/// Like ``TestPostgres``, it runs `initdb` into a temporary directory with durability off, as the `postgres` user
/// when the tests run as root, and a watchdog stops it and deletes the directory when the test process exits.
public final class TestPostgresCluster: Sendable {
    /// Where it listens.
    public let endpoint: TestPostgres.Endpoint
    private let binDirectory: String
    private let dataDirectory: String
    private let directory: String
    private let runAs: RunAs
    private let options: String

    private init(
        endpoint: TestPostgres.Endpoint,
        binDirectory: String,
        dataDirectory: String,
        directory: String,
        runAs: RunAs,
        options: String
    ) {
        self.endpoint = endpoint
        self.binDirectory = binDirectory
        self.dataDirectory = dataDirectory
        self.directory = directory
        self.runAs = runAs
        self.options = options
    }

    /// Creates and starts a cluster with one database, `tessera`.
    ///
    /// - Returns: The running cluster.
    /// - Throws: ``TestSupportError`` when PostgreSQL cannot be found, initialised or started.
    public static func start() async throws -> TestPostgresCluster {
        let binDirectory = try Server.findBinDirectory()
        let temporary =
            NSTemporaryDirectory().hasSuffix("/") ? String(NSTemporaryDirectory().dropLast()) : NSTemporaryDirectory()
        var template = Array((temporary + "/tessera-pgc-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }
        guard made != nil else { throw TestSupportError("could not create a temporary directory for PostgreSQL") }
        let directory = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let dataDirectory = directory + "/data"
        let runAs = try RunAs.current(owning: directory)
        let initdb = runAs.command(
            binDirectory + "/initdb",
            ["-D", dataDirectory, "-U", "tessera", "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"]
        )
        try await Command.run(initdb.executable, initdb.arguments)
        Watchdog.start(
            parent: getpid(), pgCtl: binDirectory + "/pg_ctl", dataDirectory: dataDirectory, directory: directory,
            runAs: runAs
        )
        let port = try FreePort.find()
        let options = [
            "-c listen_addresses=127.0.0.1", "-p \(port)", "-k \(directory)", "-c fsync=off",
            "-c synchronous_commit=off", "-c full_page_writes=off", "-c max_connections=100",
        ].joined(separator: " ")
        let cluster = TestPostgresCluster(
            endpoint: TestPostgres.Endpoint(host: "127.0.0.1", port: port, username: "tessera", password: nil),
            binDirectory: binDirectory, dataDirectory: dataDirectory, directory: directory, runAs: runAs,
            options: options
        )
        try await cluster.startServer()
        try await Command.run(
            binDirectory + "/createdb", ["-h", "127.0.0.1", "-p", String(port), "-U", "tessera", "tessera"]
        )
        return cluster
    }

    /// The URL of the cluster's `tessera` database.
    public var url: String { endpoint.url(database: "tessera") }

    /// The URL of the cluster's `tessera` database as another role (e.g. one `ops/postgres/bootstrap.sql` made);
    /// the cluster trusts local TCP connections, so no password is needed.
    ///
    /// - Parameter user: The role to connect as.
    /// - Returns: The URL.
    public func url(user: String) -> String {
        var endpoint = self.endpoint
        endpoint.username = user
        return endpoint.url(database: "tessera")
    }

    /// Runs one of the cluster's own client tools (`psql`, `pg_dump`, `pg_restore`: the same PostgreSQL version as
    /// the server) with `arguments`, as the test process's user.
    ///
    /// - Parameters:
    ///   - tool: The tool's name in the PostgreSQL binary directory.
    ///   - arguments: Its arguments (connection options included: a URL with `-d`, or `--dbname=`).
    ///   - environment: Variables added to its environment.
    /// - Throws: ``TestSupportError`` when it exits non-zero (with the tail of its output).
    public func run(_ tool: String, _ arguments: [String], environment: [String: String] = [:]) async throws {
        try await Command.run(
            binDirectory + "/" + tool, arguments,
            environment: ProcessInfo.processInfo.environment.merging(environment) { $1 }
        )
    }

    /// Starts the server again (after ``stop()``) on the same port.
    ///
    /// - Throws: ``TestSupportError`` when `pg_ctl start` fails.
    public func startServer() async throws {
        let pgCtl = runAs.command(
            binDirectory + "/pg_ctl",
            ["-D", dataDirectory, "-l", directory + "/server.log", "-o", options, "-w", "-t", "60", "start"]
        )
        try await Command.run(pgCtl.executable, pgCtl.arguments)
    }

    /// Stops the server at once (`pg_ctl stop -m immediate`: connections are cut as in a crash).
    ///
    /// - Throws: ``TestSupportError`` when `pg_ctl stop` fails.
    public func stop() async throws {
        let pgCtl = runAs.command(binDirectory + "/pg_ctl", ["-D", dataDirectory, "-m", "immediate", "-w", "stop"])
        try await Command.run(pgCtl.executable, pgCtl.arguments)
    }
}
