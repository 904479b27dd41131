import Foundation
import TesseraServer

/// The settings of `tessera serve` as read from a JSON file, the environment or flags: every field optional, so
/// sources can be layered (flags over environment over file over defaults) with ``overlaid(by:)``.
///
/// The JSON keys are ``allKeys`` (the coding keys); `docs/server.md` documents each, and
/// `ops/tessera.example.json` holds each with a production value (a test checks both). Secrets are never values
/// here: the root key, the PKCS#11 PIN and the database password are named by a file path (or come from the
/// environment), and a file's `database_url` may not carry a password (``load(from:)``).
public struct ServerSettings: Codable, Sendable, Hashable {
    /// The address to bind.
    public var host: String?
    /// The TCP port.
    public var port: Int?
    /// The frame size limit in bytes.
    public var maxFrameBytes: Int?
    /// The connection limit.
    public var maxConnections: Int?
    /// The limit of calls in flight per connection.
    public var maxCallsInFlight: Int?
    /// The deadline of calls with `timeout_ms` 0, in milliseconds.
    public var defaultTimeoutMilliseconds: Int?
    /// The largest deadline granted, in milliseconds.
    public var maxTimeoutMilliseconds: Int?
    /// How long an idle connection stays open, in seconds.
    public var idleTimeoutSeconds: Double?
    /// How long a write may wait for a client that does not read, in seconds.
    public var writeTimeoutSeconds: Double?
    /// How long calls in flight may finish during a graceful shutdown, in seconds.
    public var shutdownGraceSeconds: Double?
    /// The item limit of batch calls.
    public var maxBatchItems: Int?
    /// The TOTP skew window in steps.
    public var totpWindow: Int?
    /// The callers file.
    public var callersFile: String?
    /// The PostgreSQL URL (without it, the embedded SQLite file). Holds a password: never log it.
    public var databaseURL: String?
    /// A file (mode 0600) holding the PostgreSQL URL, so its password is neither in argv nor in this file.
    public var databaseURLFile: String?
    /// The embedded SQLite file, when there is no PostgreSQL URL.
    public var sqlitePath: String?
    /// The root key file (mode 0600), which unwraps the master key versions stored in the database.
    public var rootKeyFile: String?
    /// Seconds between the keyring's checks for a version added by another process.
    public var keyringPollSeconds: Double?
    /// Seconds between two runs of the sweeper of expired rows (default 300).
    public var sweepIntervalSeconds: Double?
    /// Rows the sweeper deletes per statement and kind (default 500).
    public var sweepBatchSize: Int?
    /// Seconds an expired row is kept before the sweeper deletes it (default 86400).
    public var sweepRetentionSeconds: Double?
    /// Production mode (the default, see ``isProductionMode()``): refuse the development root key; `false` means
    /// development mode.
    public var production: Bool?
    /// Development mode: the development root key is allowed, TLS is not required, PostgreSQL's `sslmode`
    /// defaults to `prefer`. Must be asked for; production is the default.
    public var development: Bool?
    /// In production mode, serve plain TCP without TLS on purpose.
    public var allowPlaintext: Bool?
    /// Argon2 worker threads.
    public var argon2Workers: Int?
    /// Argon2 jobs that may wait for a worker.
    public var argon2MaxQueued: Int?
    /// The log level (`trace` … `critical`).
    public var logLevel: String?
    /// The TLS certificate chain (PEM).
    public var tlsCertificateChain: String?
    /// The TLS private key (PEM).
    public var tlsPrivateKey: String?
    /// The CA of client certificates (PEM), for mutual TLS.
    public var tlsClientCA: String?
    /// The address the observability endpoint (`/metrics`, `/healthz`, `/readyz`) binds; default `127.0.0.1`.
    public var metricsHost: String?
    /// The port of the observability endpoint; default 9450, 0 picks a free port.
    public var metricsPort: Int?
    /// Whether to run the observability endpoint; default true.
    public var metricsEnabled: Bool?
    /// How long a begun frame may take to arrive whole, in seconds.
    public var frameCompleteTimeoutSeconds: Double?
    /// How long a connection may stay open before a call on it is authenticated, in seconds.
    public var unauthenticatedIdleTimeoutSeconds: Double?
    /// The frame size limit before a call on the connection is authenticated, in bytes.
    public var unauthenticatedMaxFrameBytes: Int?
    /// The connection limit per client IP address.
    public var maxConnectionsPerAddress: Int?
    /// Calls refused before authentication per client IP address and minute.
    public var maxUnauthenticatedFailuresPerAddress: Int?
    /// The PKCS#11 module (shared library) of the HSM holding the root key.
    public var pkcs11Module: String?
    /// The label of the PKCS#11 token holding the root key.
    public var pkcs11Token: String?
    /// The label of the root key on the PKCS#11 token: set, the root key is the token's (not a file's).
    public var pkcs11Key: String?
    /// A file (mode 0600) holding the token's user PIN; without it, `$TESSERA_PKCS11_PIN`.
    public var pkcs11PinFile: String?
    /// Warn (metric, Health detail) once the active master key version has wrapped this many data keys
    /// (default 2^30).
    public var wrapWarning: Int?
    /// Rotate the master key automatically once the active version has wrapped this many data keys (default never).
    public var rotateAfterWraps: Int?
    /// Rotate the master key automatically once the active version is this many days old (default never).
    public var rotateAfterDays: Double?
    /// Seconds between two counts of the data keys still wrapped by non-active master key versions (default 300).
    public var keyringReferencesSeconds: Double?
    /// The login flows' settings file (lockout, sessions, MFA, password rules; `docs/auth-flows.md`).
    public var authConfigFile: String?
    /// The list of common passwords new passwords are checked against (default: Django's list).
    public var commonPasswordsFile: String?
    /// A Have I Been Pwned "Pwned Passwords" file: new passwords in it are refused as breached (default none).
    public var breachedPasswordsFile: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case host
        case port
        case maxFrameBytes = "max_frame_bytes"
        case maxConnections = "max_connections"
        case maxCallsInFlight = "max_calls_in_flight"
        case defaultTimeoutMilliseconds = "default_timeout_ms"
        case maxTimeoutMilliseconds = "max_timeout_ms"
        case idleTimeoutSeconds = "idle_timeout_seconds"
        case writeTimeoutSeconds = "write_timeout_seconds"
        case shutdownGraceSeconds = "shutdown_grace_seconds"
        case maxBatchItems = "max_batch_items"
        case totpWindow = "totp_window"
        case callersFile = "callers_file"
        case databaseURL = "database_url"
        case sqlitePath = "sqlite_path"
        case rootKeyFile = "root_key_file"
        case keyringPollSeconds = "keyring_poll_seconds"
        case sweepIntervalSeconds = "sweep_interval_seconds"
        case sweepBatchSize = "sweep_batch_size"
        case sweepRetentionSeconds = "sweep_retention_seconds"
        case production
        case argon2Workers = "argon2_workers"
        case argon2MaxQueued = "argon2_max_queued"
        case logLevel = "log_level"
        case tlsCertificateChain = "tls_certificate_chain"
        case tlsPrivateKey = "tls_private_key"
        case tlsClientCA = "tls_client_ca"
        case metricsHost = "metrics_host"
        case metricsPort = "metrics_port"
        case metricsEnabled = "metrics_enabled"
        case development
        case allowPlaintext = "allow_plaintext"
        case databaseURLFile = "database_url_file"
        case frameCompleteTimeoutSeconds = "frame_complete_timeout_seconds"
        case unauthenticatedIdleTimeoutSeconds = "unauthenticated_idle_timeout_seconds"
        case unauthenticatedMaxFrameBytes = "unauthenticated_max_frame_bytes"
        case maxConnectionsPerAddress = "max_connections_per_address"
        case maxUnauthenticatedFailuresPerAddress = "max_unauthenticated_failures_per_address"
        case pkcs11Module = "pkcs11_module"
        case pkcs11Token = "pkcs11_token"
        case pkcs11Key = "pkcs11_key"
        case pkcs11PinFile = "pkcs11_pin_file"
        case wrapWarning = "wrap_warning"
        case rotateAfterWraps = "rotate_after_wraps"
        case rotateAfterDays = "rotate_after_days"
        case keyringReferencesSeconds = "keyring_references_seconds"
        case authConfigFile = "auth_config_file"
        case commonPasswordsFile = "common_passwords_file"
        case breachedPasswordsFile = "breached_passwords_file"
    }

    /// Every JSON key, in declaration order: the file's keys, and (upper case, prefixed `TESSERA_`) the
    /// environment's.
    public static var allKeys: [String] { CodingKeys.allCases.map(\.rawValue) }

    /// Empty settings: every default applies.
    public init() {}

    /// Reads settings from a JSON file: an object whose keys are ``allKeys``; `null` leaves a key unset (its default
    /// applies). Unknown keys are an error, so typos do not pass silently, and so is a `database_url` holding a
    /// password: a secret never sits in the settings file (give `database_url_file`, mode 0600, or
    /// `$TESSERA_DATABASE_URL`).
    ///
    /// - Parameter path: The file.
    /// - Returns: The settings, not yet validated (``validate()``).
    /// - Throws: ``ServerSettingsError`` with one line naming the file and the key at fault, if any.
    public static func load(from path: String) throws -> ServerSettings {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ServerSettingsError("cannot read the settings file \(path)")
        }
        guard let parsed = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
            throw ServerSettingsError("the settings file \(path) is not valid JSON")
        }
        guard let object = parsed as? [String: Any] else {
            throw ServerSettingsError("the settings file \(path) must hold one JSON object of settings")
        }
        let known = Set(allKeys)
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw ServerSettingsError("unknown key '\(unknown)' in \(path)")
        }
        let settings: ServerSettings
        do {
            settings = try JSONDecoder().decode(ServerSettings.self, from: data)
        } catch {
            // The decoder's error does not always name the key: find it by decoding each key alone.
            let culprit = object.keys.sorted().first { key in
                guard let value = object[key],
                    let single = try? JSONSerialization.data(withJSONObject: [key: value], options: [.fragmentsAllowed])
                else { return true }
                return (try? JSONDecoder().decode(ServerSettings.self, from: single)) == nil
            }
            throw ServerSettingsError(
                "\(culprit ?? "a value") in \(path) is not of the setting's type (a string, a whole number, a number "
                    + "or true/false; see docs/server.md)"
            )
        }
        if let url = settings.databaseURL, URLComponents(string: url)?.password != nil {
            throw ServerSettingsError(
                "database_url in \(path) holds a password: put the URL in a file of mode 0600 named by "
                    + "database_url_file, or in $TESSERA_DATABASE_URL"
            )
        }
        return settings
    }

    /// How often the keyring checks the store for a version added by another process (default 2 s).
    ///
    /// - Returns: The interval.
    /// - Throws: ``ServerSettingsError`` unless it is from 1 ms to an hour.
    public func keyringPollInterval() throws -> Duration {
        guard let seconds = keyringPollSeconds else { return .seconds(2) }
        guard seconds >= 0.001, seconds <= 3600 else {
            throw ServerSettingsError("keyring_poll_seconds (--keyring-poll) must be from 0.001 to 3600")
        }
        return .milliseconds(Int64(seconds * 1000))
    }

    /// How often the server counts the data keys still wrapped by master key versions that are no longer active
    /// (default 300 s): a scan of the provider keys and TOTP secrets per such version, none when there is none.
    ///
    /// - Returns: The interval.
    /// - Throws: ``ServerSettingsError`` for a value out of its range (see ``numericRanges``).
    public func keyringReferencesInterval() throws -> Duration {
        try validate()
        return .milliseconds(Int64((keyringReferencesSeconds ?? 300) * 1000))
    }

    /// The sweeper's interval, batch size and retention (defaults 300 s, 500 rows, 24 hours).
    ///
    /// - Returns: The three values.
    /// - Throws: ``ServerSettingsError`` for a value out of its range (see ``numericRanges``).
    public func sweeper() throws -> (interval: Duration, batchSize: Int, retention: Duration) {
        try validate()
        return (
            interval: .milliseconds(Int64((sweepIntervalSeconds ?? 300) * 1000)),
            batchSize: sweepBatchSize ?? 500,
            retention: .milliseconds(Int64((sweepRetentionSeconds ?? 86_400) * 1000))
        )
    }

    /// The server configuration these settings describe, with defaults for what they leave out.
    ///
    /// - Returns: The configuration.
    /// - Throws: ``ServerSettingsError`` for values out of range (``validate()``) or TLS settings missing their
    ///   key or chain.
    public func serverConfiguration() throws -> ServerConfiguration {
        try validate()
        var configuration = ServerConfiguration()
        if let host { configuration.host = host }
        if let port {
            guard (0...65535).contains(port) else { throw ServerSettingsError("port must be 0 to 65535") }
            configuration.port = port
        }
        if let maxFrameBytes {
            guard (1024...(64 << 20)).contains(maxFrameBytes) else {
                throw ServerSettingsError("max_frame_bytes must be 1024 to 67108864")
            }
            configuration.maxFrameBytes = maxFrameBytes
        }
        configuration.maxConnections =
            try Self.positive(maxConnections, "max_connections") ?? configuration.maxConnections
        configuration.maxCallsInFlightPerConnection =
            try Self.positive(maxCallsInFlight, "max_calls_in_flight") ?? configuration.maxCallsInFlightPerConnection
        configuration.maxBatchItems = try Self.positive(maxBatchItems, "max_batch_items") ?? configuration.maxBatchItems
        if let milliseconds = try Self.positive(defaultTimeoutMilliseconds, "default_timeout_ms") {
            configuration.defaultTimeout = .milliseconds(milliseconds)
        }
        if let milliseconds = try Self.positive(maxTimeoutMilliseconds, "max_timeout_ms") {
            configuration.maxTimeout = .milliseconds(milliseconds)
        }
        if let seconds = idleTimeoutSeconds {
            guard seconds > 0, seconds.isFinite else { throw ServerSettingsError("idle_timeout_seconds must be > 0") }
            configuration.idleTimeout = .milliseconds(Int64(seconds * 1000))
        }
        if let seconds = writeTimeoutSeconds {
            guard seconds > 0, seconds.isFinite else {
                throw ServerSettingsError("write_timeout_seconds must be > 0")
            }
            configuration.writeTimeout = .milliseconds(Int64(seconds * 1000))
        }
        if let seconds = shutdownGraceSeconds {
            guard seconds >= 0, seconds.isFinite else {
                throw ServerSettingsError("shutdown_grace_seconds must be >= 0")
            }
            configuration.shutdownGracePeriod = .milliseconds(Int64(seconds * 1000))
        }
        try applyConnectionLimits(to: &configuration)
        switch (tlsCertificateChain, tlsPrivateKey) {
        case (let chain?, let key?):
            configuration.tls = ServerTLSConfiguration(
                certificateChainPath: chain, privateKeyPath: key, clientCAPath: tlsClientCA
            )
        case (nil, nil):
            guard tlsClientCA == nil else {
                throw ServerSettingsError("tls_client_ca needs tls_certificate_chain and tls_private_key")
            }
        default:
            throw ServerSettingsError("TLS needs both tls_certificate_chain and tls_private_key")
        }
        return configuration
    }

    /// Where the observability endpoint listens, or `nil` when it is turned off (`metrics_enabled` false).
    ///
    /// - Returns: The host and port (defaults `127.0.0.1` and 9450).
    /// - Throws: ``ServerSettingsError`` for a port out of range.
    public func metricsEndpoint() throws -> (host: String, port: Int)? {
        guard metricsEnabled ?? true else { return nil }
        let port = metricsPort ?? 9450
        guard (0...65535).contains(port) else { throw ServerSettingsError("metrics_port must be 0 to 65535") }
        return (metricsHost ?? "127.0.0.1", port)
    }

    /// Maps the limits on connections before authentication (the `frame_complete_timeout_seconds` …
    /// `max_unauthenticated_failures_per_address` keys) onto the configuration.
    private func applyConnectionLimits(to configuration: inout ServerConfiguration) throws {
        if let seconds = frameCompleteTimeoutSeconds {
            guard seconds > 0, seconds <= 3600 else {
                throw ServerSettingsError("frame_complete_timeout_seconds must be above 0 and at most 3600")
            }
            configuration.frameCompleteTimeout = .milliseconds(Int64(seconds * 1000))
        }
        if let seconds = unauthenticatedIdleTimeoutSeconds {
            guard seconds > 0, seconds <= 3600 else {
                throw ServerSettingsError("unauthenticated_idle_timeout_seconds must be above 0 and at most 3600")
            }
            configuration.unauthenticatedIdleTimeout = .milliseconds(Int64(seconds * 1000))
        }
        if let bytes = unauthenticatedMaxFrameBytes {
            guard (1024...(64 << 20)).contains(bytes) else {
                throw ServerSettingsError("unauthenticated_max_frame_bytes must be 1024 to 67108864")
            }
            configuration.unauthenticatedMaxFrameBytes = bytes
        }
        configuration.maxConnectionsPerAddress =
            try Self.positive(maxConnectionsPerAddress, "max_connections_per_address")
            ?? configuration.maxConnectionsPerAddress
        configuration.maxUnauthenticatedFailuresPerAddress =
            try Self.positive(maxUnauthenticatedFailuresPerAddress, "max_unauthenticated_failures_per_address")
            ?? configuration.maxUnauthenticatedFailuresPerAddress
    }

    private static func positive(_ value: Int?, _ name: String) throws -> Int? {
        guard let value else { return nil }
        guard value > 0 else { throw ServerSettingsError("\(name) must be positive") }
        return value
    }
}
