import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import TesseraAdmin
import TesseraAdminServices
import TesseraAudit
import TesseraAuth
import TesseraAuthServices
import TesseraCrypto
import TesseraKeyring
import TesseraObservability
import TesseraServer
import TesseraSettings
import TesseraStore
import TesseraStorePostgres
import TesseraSweeper

/// `tessera serve`: runs the RPC server until SIGTERM or SIGINT, then shuts down gracefully and exits 0.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the Tessera RPC server (framed protobuf over TCP, optional TLS 1.3).",
        discussion: """
            Settings come from, in increasing precedence: the defaults, the JSON file given with --config, \
            TESSERA_* environment variables (the JSON key in upper case, e.g. TESSERA_PORT, \
            TESSERA_CALLERS_FILE, TESSERA_TLS_CLIENT_CA), and the flags below. Every setting has a JSON key \
            (docs/server.md lists each with its flag, default and range; null in the file means the default); \
            ops/tessera.example.json holds every key with a production value. Secrets are never values in the \
            file: it names the root key file, the PKCS#11 PIN file and the database URL file, and a database_url \
            holding a password is refused there.

            Production mode is the default: it needs a root key (--root-key-file, or $TESSERA_ROOT_KEY in base64) \
            and refuses the development key, needs TLS (--tls-cert, --tls-key) unless --allow-plaintext is given, \
            and connects to PostgreSQL with sslmode=verify-full unless the URL names another sslmode. \
            --development (what 'make run' uses) allows the DEVELOPMENT key keys-dev/root-key.dev (the default \
            root key then), plain TCP, and sslmode=prefer. Settings keys: development, allow_plaintext \
            (production: false also means development).

            Keys: the master key versions live in the database (the persistent keyring, see docs/keyring.md), \
            wrapped by the root key. The database is PostgreSQL from --database-url-file (a file of mode 0600), \
            $TESSERA_DATABASE_URL or $DATABASE_URL (--database-url also works, but puts its password in argv), \
            else the embedded SQLite file; it must be migrated to exactly the schema this build knows \
            ('tessera migrate'); a newer schema is refused. A key version added by 'tessera keys rotate' (from \
            any process) is picked up within the keyring poll interval. The Admin service \
            (tessera.v1.Admin, 'tessera keys … --server') rotates, rewraps and retires through the server; a rewrap \
            runs in the background on one replica at a time (a lease in the database), resumed by another if that \
            one dies. Every wrap under a master key is counted: --wrap-warning, --rotate-after-wraps and \
            --rotate-after-days set the usage policy (docs/keyring.md). Every --keyring-references-interval the \
            data keys still wrapped by non-active versions are counted for the tessera_keyring_old_version_* \
            metrics (docs/observability.md).

            Every setting is checked before anything starts: a value out of range is refused with one line naming \
            the setting and its range (docs/server.md lists them). The callers file must not be writable by group \
            or others and must belong to the service's user, at start and at every reload (a reload that finds it \
            otherwise keeps the previous callers and logs a warning).

            SIGTERM or SIGINT: the server sends go_away to every connection, stops accepting, lets calls in \
            flight finish within the grace period, and exits 0. SIGHUP re-reads the callers file (so does a \
            change of the file).

            Sweeper: expired sessions, invitations, password resets and MFA challenges are deleted in batches \
            (--sweep-interval, --sweep-batch; settings key sweep_retention_seconds keeps them a while after expiry, \
            default a day), and on PostgreSQL the audit log's monthly partitions are kept 3 months ahead when the \
            database role may create them. See docs/auth-flows.md.

            Metrics and probes: an HTTP endpoint on its own port (default 127.0.0.1:9450) serves GET /metrics \
            (Prometheus), /healthz and /readyz (200 while the RPC server is listening and not draining, the \
            store answers and the keyring has an active key). \
            --metrics-host/--metrics-port move it, --no-metrics turns it off. See docs/observability.md.
            """
    )

    @Option(help: ArgumentHelp("A JSON settings file (see docs/server.md).", valueName: "path"))
    var config: String?

    @Option(help: "The address to bind (default 127.0.0.1).")
    var host: String?

    @Option(help: "The TCP port, 0 to 65535 (default 7450; 0 picks a free port).")
    var port: Int?

    @Option(help: ArgumentHelp("The callers file (default callers.json).", valueName: "path"))
    var callers: String?

    @OptionGroup var store: StoreOptions

    @OptionGroup var rootKey: RootKeyOptions

    @Option(
        help: ArgumentHelp(
            "The list of common passwords new passwords are checked against, one per line, plain or gzip "
                + "(default: Django's list from Debian's python3-django).",
            valueName: "path"
        )
    )
    var commonPasswords: String?

    @Option(
        help: ArgumentHelp(
            "A Have I Been Pwned 'Pwned Passwords' file (SHA-1, ordered by hash), searched on disk: new passwords "
                + "in it are refused as breached.",
            valueName: "path"
        )
    )
    var breachedPasswords: String?

    @Option(
        help: ArgumentHelp(
            "The login flows' settings (lockout, sessions, MFA, password rules) as JSON; see docs/auth-flows.md.",
            valueName: "path"
        )
    )
    var authConfig: String?

    @Flag(
        name: .customLong("development"),
        help: "Development mode: allow the development root key (the default key then), plain TCP, sslmode=prefer."
    )
    var development = false

    @Flag(
        name: .customLong("allow-plaintext"),
        help: "In production mode, serve plain TCP without TLS on purpose (e.g. TLS ends at a local sidecar)."
    )
    var allowPlaintext = false

    @Option(
        name: .customLong("keyring-poll"),
        help: "Seconds between checks for a key version added by another process, 0.001 to 3600 (default 2)."
    )
    var keyringPollSeconds: Double?

    @Option(
        name: .customLong("keyring-references-interval"),
        help: ArgumentHelp(
            "Seconds between counts of the data keys still wrapped by non-active master key versions (the "
                + "tessera_keyring_old_version_* metrics), 1 to 86400 (default 300).",
            valueName: "seconds"
        )
    )
    var keyringReferencesSeconds: Double?

    @Option(
        name: .customLong("sweep-interval"),
        help: "Seconds between runs of the sweeper of expired rows, 0.01 to 86400 (default 300)."
    )
    var sweepIntervalSeconds: Double?

    @Option(
        name: .customLong("sweep-batch"),
        help: "Expired rows the sweeper deletes per statement, 1 to 100000 (default 500)."
    )
    var sweepBatchSize: Int?

    @Option(
        name: .customLong("wrap-warning"),
        help: ArgumentHelp(
            "Warn (metric, Health detail) once the active master key has wrapped this many data keys, 1 to "
                + "4294967296 (default 1073741824 = 2^30, a quarter of NIST SP 800-38D's limit; see docs/keyring.md).",
            valueName: "count"
        )
    )
    var wrapWarning: Int?

    @Option(
        name: .customLong("rotate-after-wraps"),
        help: ArgumentHelp(
            "Rotate the master key automatically once the active version has wrapped this many data keys "
                + "(1 to 4294967296; default: never).",
            valueName: "count"
        )
    )
    var rotateAfterWraps: Int?

    @Option(
        name: .customLong("rotate-after-days"),
        help: ArgumentHelp(
            "Rotate the master key automatically once the active version is this many days old, 0.0416667 (an "
                + "hour) to 3650 (default: never).",
            valueName: "days"
        )
    )
    var rotateAfterDays: Double?

    @Option(
        name: .customLong("max-frame-bytes"),
        help: "The largest frame accepted, 1024 to 67108864 bytes (default 1048576).")
    var maxFrameBytes: Int?

    @Option(name: .customLong("max-connections"), help: "Connections served at once, 1 to 1000000 (default 1024).")
    var maxConnections: Int?

    @Option(
        name: .customLong("max-calls-in-flight"), help: "Calls in flight per connection, 1 to 100000 (default 128).")
    var maxCallsInFlight: Int?

    @Option(
        name: .customLong("default-timeout-ms"),
        help: "The deadline of calls with timeout_ms 0, 1 to 3600000 ms (default 10000).")
    var defaultTimeoutMilliseconds: Int?

    @Option(name: .customLong("max-timeout-ms"), help: "The longest deadline granted, 1 to 3600000 ms (default 60000).")
    var maxTimeoutMilliseconds: Int?

    @Option(
        name: .customLong("idle-timeout"),
        help: "Seconds before an idle connection is closed, 0.001 to 86400 (default 300).")
    var idleTimeoutSeconds: Double?

    @Option(
        name: .customLong("write-timeout"),
        help: "Seconds a reply may wait for a client that does not read, 0.001 to 3600 (default 30)."
    )
    var writeTimeoutSeconds: Double?

    @Option(
        name: .customLong("shutdown-grace"), help: "Seconds calls may finish after SIGTERM, 0 to 3600 (default 10).")
    var shutdownGraceSeconds: Double?

    @Option(
        name: .customLong("max-batch-items"), help: "Items per SealBatch/OpenBatch call, 1 to 100000 (default 1000).")
    var maxBatchItems: Int?

    @Option(name: .customLong("totp-window"), help: "TOTP skew window in steps either side, 0 to 10 (default 1).")
    var totpWindow: Int?

    @Option(name: .customLong("argon2-workers"), help: "Argon2 worker threads, 1 to 1024 (default: one per core).")
    var argon2Workers: Int?

    @Option(
        name: .customLong("argon2-max-queued"), help: "Argon2 jobs that may wait, 0 to 1000000 (default 4 per worker).")
    var argon2MaxQueued: Int?

    @Option(name: .customLong("tls-cert"), help: ArgumentHelp("TLS certificate chain (PEM).", valueName: "path"))
    var tlsCertificateChain: String?

    @Option(name: .customLong("tls-key"), help: ArgumentHelp("TLS private key (PEM).", valueName: "path"))
    var tlsPrivateKey: String?

    @Option(
        name: .customLong("tls-client-ca"),
        help: ArgumentHelp("CA of client certificates (PEM): turns on mutual TLS.", valueName: "path")
    )
    var tlsClientCA: String?

    @Option(
        name: .customLong("metrics-host"),
        help: "The address of the /metrics, /healthz, /readyz endpoint (default 127.0.0.1)."
    )
    var metricsHost: String?

    @Option(
        name: .customLong("metrics-port"),
        help: "The port of the metrics endpoint, 0 to 65535 (default 9450; 0 picks a free port)."
    )
    var metricsPort: Int?

    @Flag(name: .customLong("no-metrics"), help: "Do not serve the /metrics, /healthz, /readyz endpoint.")
    var noMetrics = false

    @Option(
        name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (default info).")
    var logLevel: String?

    /// The flags as settings, the top layer.
    private var flagSettings: ServerSettings {
        var settings = ServerSettings()
        settings.host = host
        settings.port = port
        settings.callersFile = callers
        settings.databaseURL = store.databaseURL
        settings.databaseURLFile = store.databaseURLFile
        settings.sqlitePath = store.sqlitePath
        settings.rootKeyFile = rootKey.path
        settings.pkcs11Module = rootKey.pkcs11Module
        settings.pkcs11Token = rootKey.pkcs11Token
        settings.pkcs11Key = rootKey.pkcs11Key
        settings.pkcs11PinFile = rootKey.pkcs11PinFile
        settings.keyringPollSeconds = keyringPollSeconds
        settings.keyringReferencesSeconds = keyringReferencesSeconds
        settings.wrapWarning = wrapWarning
        settings.rotateAfterWraps = rotateAfterWraps
        settings.rotateAfterDays = rotateAfterDays
        settings.authConfigFile = authConfig
        settings.commonPasswordsFile = commonPasswords
        settings.breachedPasswordsFile = breachedPasswords
        settings.sweepIntervalSeconds = sweepIntervalSeconds
        settings.sweepBatchSize = sweepBatchSize
        // A mode flag decides over the lower layers' mode keys.
        if rootKey.production {
            settings.production = true
            settings.development = false
        }
        if development {
            settings.production = false
            settings.development = true
        }
        settings.allowPlaintext = allowPlaintext ? true : nil
        settings.maxFrameBytes = maxFrameBytes
        settings.maxConnections = maxConnections
        settings.maxCallsInFlight = maxCallsInFlight
        settings.defaultTimeoutMilliseconds = defaultTimeoutMilliseconds
        settings.maxTimeoutMilliseconds = maxTimeoutMilliseconds
        settings.idleTimeoutSeconds = idleTimeoutSeconds
        settings.writeTimeoutSeconds = writeTimeoutSeconds
        settings.shutdownGraceSeconds = shutdownGraceSeconds
        settings.maxBatchItems = maxBatchItems
        settings.totpWindow = totpWindow
        settings.argon2Workers = argon2Workers
        settings.argon2MaxQueued = argon2MaxQueued
        settings.tlsCertificateChain = tlsCertificateChain
        settings.tlsPrivateKey = tlsPrivateKey
        settings.tlsClientCA = tlsClientCA
        settings.logLevel = logLevel
        settings.metricsHost = metricsHost
        settings.metricsPort = metricsPort
        settings.metricsEnabled = noMetrics ? false : nil
        return settings
    }

    func run() async throws {
        let fileSettings = try config.map(ServerSettings.load(from:)) ?? ServerSettings()
        let settings =
            fileSettings
            .overlaid(by: try ServerSettings.fromEnvironment(ProcessInfo.processInfo.environment))
            .overlaid(by: flagSettings)
        let serverConfiguration = try settings.serverConfiguration()
        let usagePolicy = Self.usagePolicy(settings)
        let referencesInterval = try settings.keyringReferencesInterval()
        let metricsEndpoint = try settings.metricsEndpoint()
        if rootKey.production && development {
            throw ValidationError("give --production or --development, not both")
        }
        let production = try settings.isProductionMode()
        if production && settings.rootKeyFile == nil && settings.pkcs11Key == nil && !RootKeyEnvironment().isSet {
            throw ServeError(
                "production mode needs a root key: give --pkcs11-key, --root-key-file or $TESSERA_ROOT_KEY "
                    + "(the development key \(RootKey.developmentRelativePath) needs --development)"
            )
        }
        try settings.requireTransportSecurity()

        let level =
            try settings.logLevel.map { name in
                guard let level = Logger.Level(rawValue: name) else {
                    throw ValidationError("--log-level takes trace, debug, info, notice, warning, error or critical")
                }
                return level
            } ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "tessera.server")

        var rootKeyOptions = rootKey
        rootKeyOptions.path = settings.rootKeyFile
        rootKeyOptions.pkcs11Module = settings.pkcs11Module
        rootKeyOptions.pkcs11Token = settings.pkcs11Token
        rootKeyOptions.pkcs11Key = settings.pkcs11Key
        rootKeyOptions.pkcs11PinFile = settings.pkcs11PinFile
        rootKeyOptions.production = production
        let loadedKey = try rootKeyOptions.load()
        let pollInterval = try settings.keyringPollInterval()
        let callersPath = settings.callersFile ?? "callers.json"
        guard FileManager.default.fileExists(atPath: callersPath) else {
            throw ServeError(
                "callers file \(callersPath) not found; create it with 'tessera callers add NAME --allow …'")
        }
        let registry = try CallerRegistry.load(from: callersPath)
        var storeOptions = store
        storeOptions.databaseURL = settings.databaseURL
        storeOptions.databaseURLFile = settings.databaseURLFile
        storeOptions.sqlitePath = settings.sqlitePath
        // Resolved once (a URL file is read here), so the store and the log line see the same URL.
        let databaseURL = try storeOptions.postgresURL()
        storeOptions.databaseURL = databaseURL
        storeOptions.databaseURLFile = nil
        try await storeOptions.withCheckedStore(defaultTLS: production ? .require : .prefer) { store in
            let key = try await KeyringManager.resolveRootKey(loadedKey, store: store)
            let audit = AuditLog(store: store, key: AuditSigningKey(rootKey: key))
            let checkpointKey = AuditCheckpointKey(rootKey: key)
            let sequencer = AuditSequencer(
                store: store, key: AuditSigningKey(rootKey: key), checkpointKey: checkpointKey)
            let keyring = try await KeyringManager.start(
                store: store, rootKey: key, audit: audit, logger: Logger(label: "tessera.keyring")
            )
            keyring.configureUsage(usagePolicy)
            try await serve(
                settings: settings, serverConfiguration: serverConfiguration, metricsEndpoint: metricsEndpoint,
                registry: registry, callersPath: callersPath, keyring: keyring, audit: audit, sequencer: sequencer,
                auditKey: AuditSigningKey(rootKey: key), checkpointPublicKey: checkpointKey.publicKey,
                authKeys: AuthKeys(rootKey: key), pollInterval: pollInterval, referencesInterval: referencesInterval,
                mode: production ? "production" : "development",
                storeName: storeOptions.displayName(url: databaseURL), logger: logger
            )
        }
    }

    /// Runs the server, the audit sequencer, the keyring poll, the callers-file watcher and the metrics endpoint in
    /// one service group until SIGTERM/SIGINT, over an open store and a started keyring.
    private func serve(
        settings: ServerSettings,
        serverConfiguration: ServerConfiguration,
        metricsEndpoint: (host: String, port: Int)?,
        registry: CallerRegistry,
        callersPath: String,
        keyring: KeyringManager,
        audit: AuditLog,
        sequencer: AuditSequencer,
        auditKey: AuditSigningKey,
        checkpointPublicKey: AuditCheckpointPublicKey,
        authKeys: AuthKeys,
        pollInterval: Duration,
        referencesInterval: Duration,
        mode: String,
        storeName: String,
        logger: Logger
    ) async throws {
        // Before any metric handle exists (the server creates its handles in init): swift-metrics → Prometheus.
        let metricsRegistry = MetricsBootstrap.bootstrapGlobally()
        let hasher = try PasswordHasher(
            configuration: .init(workers: settings.argon2Workers, maxQueued: settings.argon2MaxQueued)
        )
        // The keyring reads the store at every poll: a failed or overdue read reports the store as down.
        let staleAfter = max(pollInterval * 3, .seconds(10))
        let storeHealth = HealthComponent(name: "store") {
            switch keyring.storeContact(staleAfter: staleAfter) {
            case .reachable: .serving
            case .unreachable(let reason): .notServing(reason: reason)
            }
        }
        let services = StatelessServices(
            hasher: hasher,
            cipher: keyring.cipher,
            totpWindow: settings.totpWindow ?? 1,
            maxBatchItems: serverConfiguration.maxBatchItems,
            healthComponents: [storeHealth, Self.usageHealth(keyring)]
        )
        var base = AuthPolicy()
        base.mfa.totpWindow = settings.totpWindow ?? 1
        base.passwords.screens = try Self.passwordScreens(settings)
        let policy: AuthPolicy
        do {
            policy = try (settings.authConfigFile.map { try AuthSettings.load(path: $0) } ?? AuthSettings())
                .policy(over: base)
        } catch let error as AuthError {
            throw ServeError(error.message)
        }
        let flows = try await AuthFlows.make(
            store: keyring.store, hasher: hasher, cipher: keyring.cipher, audit: audit, keys: authKeys, policy: policy
        )
        var router = services.router()
        let passwords = PasswordsService(hasher: hasher)
        AuthServices(flows: flows, hashingQueueFull: { passwords.queueIsFull() }).register(into: &router)
        ProviderKeysService(keys: ProviderKeys(keyring: keyring, audit: audit)).register(into: &router)
        let sweep = try settings.sweeper()
        let sweeper = try Sweeper(
            store: keyring.store, partitions: keyring.store as? any AuditPartitionStore,
            configuration: SweeperConfiguration(
                interval: sweep.interval, batchSize: sweep.batchSize, retention: sweep.retention
            ),
            logger: Logger(label: "tessera.sweeper")
        )
        AdminService(
            administration: KeyringAdministration(
                keyring: keyring, audit: audit,
                auditSummary: TreeAuditSummary(
                    store: keyring.store, key: auditKey, publicKey: checkpointPublicKey
                )
            )
        ).register(into: &router)
        let server = TesseraServer(
            configuration: serverConfiguration,
            router: router,
            callers: registry,
            hasher: hasher,
            logger: logger
        )
        let watcher = CallersFileWatcher(path: callersPath, registry: registry, logger: logger)
        var groupServices: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let metricsEndpoint {
            // Listed first, so it stops last: /readyz answers 503 and /metrics is served while the server drains.
            let health = services.health
            let observability = ObservabilityServer(
                configuration: .init(host: metricsEndpoint.host, port: metricsEndpoint.port),
                registry: metricsRegistry,
                logger: Logger(label: "tessera.observability"),
                readiness: { health.isReady(isServerDraining: !server.isAcceptingCalls) }
            )
            groupServices.append(.init(service: observability))
        }
        // Before the server, so it stops after it: entries of the last calls still get placed by this replica.
        groupServices.append(.init(service: AuditSequencerService(sequencer: sequencer)))
        groupServices.append(.init(service: server, successTerminationBehavior: .gracefullyShutdownGroup))
        groupServices.append(.init(service: watcher))
        groupServices.append(.init(service: KeyringPollService(keyring: keyring, interval: pollInterval)))
        groupServices.append(.init(service: sweeper))
        let keyringMetrics = KeyringMetrics()
        groupServices.append(
            .init(
                service: RewrapJobService(
                    keyring: keyring, interval: pollInterval, metrics: keyringMetrics,
                    logger: Logger(label: "tessera.keyring.rewrap")
                )
            )
        )
        groupServices.append(
            .init(
                service: KeyringReferencesService(
                    keyring: keyring, interval: referencesInterval, metrics: keyringMetrics,
                    logger: Logger(label: "tessera.keyring.references")
                )
            )
        )
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: groupServices,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        let activeVersion = keyring.cipher.keyring.activeVersion
        logger.info(
            "starting",
            metadata: [
                "mode": "\(mode)",
                "callers": "\(registry.callers.count)",
                "store": "\(storeName)",
                "root_key": "\(keyring.rootKeyFingerprint)",
                "active_master_key_version": "\(activeVersion)",
                "metrics": "\(metricsEndpoint.map { "\($0.host):\($0.port)" } ?? "off")",
            ]
        )
        do {
            try await group.run()
        } catch {
            try? await hasher.shutdown()
            throw error
        }
        try await hasher.shutdown()
    }
}

extension ServeCommand {
    /// The common-password list (required: a login service without one accepts `password1`) and the optional
    /// breach corpus, as the settings name them.
    static func passwordScreens(_ settings: ServerSettings) throws -> [any PasswordScreen] {
        var screens: [any PasswordScreen] = []
        do {
            screens.append(
                try settings.commonPasswordsFile.map { try CommonPasswordList.load(path: $0) }
                    ?? CommonPasswordList.loadDefault()
            )
        } catch let error as PasswordListError {
            let hint =
                settings.commonPasswordsFile == nil
                ? "install python3-django, or set common_passwords_file (--common-passwords)"
                : "check common_passwords_file, --common-passwords"
            throw ServeError("common password list: \(error.message) (\(hint))")
        }
        if let breachedPasswords = settings.breachedPasswordsFile {
            do {
                screens.append(try PwnedPasswordsRangeFile(path: breachedPasswords))
            } catch let error as PasswordListError {
                throw ServeError(
                    "breached password file: \(error.message) (check breached_passwords_file, --breached-passwords)")
            }
        }
        return screens
    }
}

/// A reason `tessera serve` will not start, printed on one line.
struct ServeError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
