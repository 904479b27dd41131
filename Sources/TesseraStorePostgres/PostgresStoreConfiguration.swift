import Foundation
import PostgresNIO
import TesseraStore

/// How ``PostgresStore`` reaches its database.
public struct PostgresStoreConfiguration: Sendable {
    /// Whether to use TLS to the server.
    public struct TLSMode: Sendable, Hashable {
        private enum Base: Hashable, Sendable {
            case disable, prefer, require
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// Plain TCP (loopback or a trusted network only).
        public static let disable = Self(.disable)
        /// TLS when the server offers it, plain TCP otherwise.
        public static let prefer = Self(.prefer)
        /// TLS with full certificate verification (the chain and the host name: libpq's `verify-full`), or no
        /// connection. The URL's `sslmode=require`, `verify-ca` and `verify-full` all choose it.
        public static let require = Self(.require)

        var client: PostgresClient.Configuration.TLS {
            switch self.base {
            case .disable: .disable
            case .prefer: .prefer(.makeClientConfiguration())
            case .require: .require(.makeClientConfiguration())
            }
        }
    }

    /// The server's host name or address.
    public var host: String
    /// The server's port (default 5432).
    public var port: Int
    /// The role to log in as.
    public var username: String
    /// The role's password, if any.
    public var password: String?
    /// The database name.
    public var database: String
    /// The TLS mode (default ``TLSMode/prefer``).
    public var tls: TLSMode
    /// The most connections the pool opens (default 10).
    public var maximumConnections: Int
    /// How long to wait for a connection to be made (default 10 s).
    public var connectTimeout: Duration

    /// Creates a configuration.
    /// - Parameters:
    ///   - host: Host name or address.
    ///   - port: Port.
    ///   - username: Role.
    ///   - password: Password.
    ///   - database: Database name.
    ///   - tls: TLS mode.
    ///   - maximumConnections: Pool size.
    ///   - connectTimeout: Connect timeout.
    public init(
        host: String,
        port: Int = 5432,
        username: String,
        password: String? = nil,
        database: String,
        tls: TLSMode = .prefer,
        maximumConnections: Int = 10,
        connectTimeout: Duration = .seconds(10)
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
        self.maximumConnections = maximumConnections
        self.connectTimeout = connectTimeout
    }

    /// Parses a `postgres://user:password@host:port/database?sslmode=…` URL (`postgresql://` also accepted).
    ///
    /// `sslmode` may be `disable`, `prefer`, `require`, `verify-ca` or `verify-full` (the last three all mean
    /// ``TLSMode/require``, which verifies the certificate and the host name). A URL without `sslmode` gets
    /// `defaultTLS`: `prefer` unless the caller asks for more, as `tessera serve` does in production mode
    /// (``TLSMode/require``), so that a network attacker cannot downgrade the connection to plain TCP.
    /// - Parameters:
    ///   - url: The URL.
    ///   - maximumConnections: Pool size.
    ///   - defaultTLS: The TLS mode when the URL has no `sslmode` (default ``TLSMode/prefer``); the URL's own
    ///     `sslmode` always wins.
    /// - Throws: ``StoreError/Code/invalidConfiguration`` (the message never repeats the URL: it may hold a password).
    public init(url: String, maximumConnections: Int = 10, defaultTLS: TLSMode = .prefer) throws {
        guard let components = URLComponents(string: url),
            components.scheme == "postgres" || components.scheme == "postgresql",
            let host = components.host, !host.isEmpty,
            let username = components.user, !username.isEmpty
        else {
            throw StoreError(.invalidConfiguration, "the database URL is not postgres://user@host/database")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty else {
            throw StoreError(.invalidConfiguration, "the database URL names no database")
        }
        var tls = defaultTLS
        for item in components.queryItems ?? [] where item.name == "sslmode" {
            switch item.value {
            case "disable": tls = .disable
            case "prefer", "allow": tls = .prefer
            case "require", "verify-ca", "verify-full": tls = .require
            default: throw StoreError(.invalidConfiguration, "the database URL has an unknown sslmode")
            }
        }
        self.init(
            host: host,
            port: components.port ?? 5432,
            // URLComponents has already percent-decoded these; decoding again would corrupt a literal '%'.
            username: username,
            password: components.password,
            database: database,
            tls: tls,
            maximumConnections: maximumConnections
        )
    }

    /// Reads the URL from the `DATABASE_URL` environment variable.
    /// - Throws: ``StoreError/Code/invalidConfiguration`` when it is unset or malformed.
    public static func fromEnvironment(maximumConnections: Int = 10) throws -> PostgresStoreConfiguration {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else {
            throw StoreError(.invalidConfiguration, "DATABASE_URL is not set")
        }
        return try PostgresStoreConfiguration(url: url, maximumConnections: maximumConnections)
    }

    var client: PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: self.host,
            port: self.port,
            username: self.username,
            password: self.password,
            database: self.database,
            tls: self.tls.client
        )
        configuration.options.maximumConnections = self.maximumConnections
        configuration.options.connectTimeout = self.connectTimeout
        return configuration
    }
}
