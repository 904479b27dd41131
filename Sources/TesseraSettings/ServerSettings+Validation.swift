import Logging
import TesseraCrypto
import TesseraServer

extension ServerSettings {
    /// A numeric setting with its allowed range, inclusive at both ends.
    public struct NumericRange: Sendable {
        /// The JSON key, e.g. `idle_timeout_seconds`.
        public let key: String
        /// The `tessera serve` flag, e.g. `--idle-timeout`.
        public let flag: String
        /// The smallest value allowed.
        public let minimum: Double
        /// The largest value allowed.
        public let maximum: Double
        /// Whether the setting takes fractions (seconds) rather than whole numbers.
        public let isFractional: Bool
        /// The setting's value in some settings, as a `Double`, or `nil` when unset.
        let value: @Sendable (ServerSettings) -> Double?

        /// Why `settings` break this range, as one line naming the setting and its range, or `nil`.
        ///
        /// - Parameter settings: The settings.
        /// - Returns: The reason, or `nil` when the value is unset or within the range.
        public func problem(in settings: ServerSettings) -> String? {
            guard let value = value(settings) else { return nil }
            // `contains` is false for NaN, and ±infinity lies outside every range here.
            guard (minimum...maximum).contains(value) else {
                return "\(key) (\(flag)) must be from \(Self.bound(minimum)) to \(Self.bound(maximum)), not "
                    + Self.text(value)
            }
            return nil
        }

        /// The range as `docs/server.md`'s settings table gives it ("allowed"), e.g. `0.001 – 3600`.
        public var allowedText: String { "\(Self.bound(minimum)) – \(Self.bound(maximum))" }

        /// A bound as people write it: 0.0416667 rather than 0.041666666666666664 (the value itself is shown in
        /// full, so a rounded bound never hides why a value was refused).
        private static func bound(_ number: Double) -> String {
            if number.isFinite, number.rounded() == number { return text(number) }
            return String(format: "%.6g", number)
        }

        private static func text(_ number: Double) -> String {
            if number.isFinite, number.rounded() == number, abs(number) < 1e15 { return String(Int64(number)) }
            return "\(number)"
        }
    }

    private static func whole(
        _ key: CodingKeys, _ flag: String, _ range: ClosedRange<Int>, _ value: @escaping @Sendable (Self) -> Int?
    ) -> NumericRange {
        NumericRange(
            key: key.rawValue, flag: flag, minimum: Double(range.lowerBound), maximum: Double(range.upperBound),
            isFractional: false, value: { value($0).map(Double.init) }
        )
    }

    private static func fractional(
        _ key: CodingKeys, _ flag: String, _ range: ClosedRange<Double>, _ value: @escaping @Sendable (Self) -> Double?
    ) -> NumericRange {
        NumericRange(
            key: key.rawValue, flag: flag, minimum: range.lowerBound, maximum: range.upperBound, isFractional: true,
            value: value
        )
    }

    /// NIST SP 800-38D's limit of AES-GCM encryptions under one key with random 96-bit nonces, 2^32: the largest
    /// `wrap_warning` and `rotate_after_wraps` (as `TesseraKeyring.KeyringUsagePolicy.nistRandomNonceLimit`).
    public static let nistRandomNonceLimit = 1 << 32

    /// Every numeric setting and its allowed range (see `docs/server.md`).
    ///
    /// Durations are bounded above so that their conversion to milliseconds cannot overflow (a value like `1e300`
    /// used to trap at start-up) and below by one millisecond where zero would mean "never" or "at once".
    public static var numericRanges: [NumericRange] {
        [
            whole(.port, "--port", 0...65535) { $0.port },
            whole(.maxFrameBytes, "--max-frame-bytes", 1024...(64 << 20)) { $0.maxFrameBytes },
            whole(.maxConnections, "--max-connections", 1...1_000_000) { $0.maxConnections },
            whole(.maxCallsInFlight, "--max-calls-in-flight", 1...100_000) { $0.maxCallsInFlight },
            whole(.defaultTimeoutMilliseconds, "--default-timeout-ms", 1...3_600_000) {
                $0.defaultTimeoutMilliseconds
            },
            whole(.maxTimeoutMilliseconds, "--max-timeout-ms", 1...3_600_000) { $0.maxTimeoutMilliseconds },
            fractional(.idleTimeoutSeconds, "--idle-timeout", 0.001...86_400) { $0.idleTimeoutSeconds },
            fractional(.writeTimeoutSeconds, "--write-timeout", 0.001...3600) { $0.writeTimeoutSeconds },
            fractional(.shutdownGraceSeconds, "--shutdown-grace", 0...3600) { $0.shutdownGraceSeconds },
            whole(.maxBatchItems, "--max-batch-items", 1...100_000) { $0.maxBatchItems },
            whole(.totpWindow, "--totp-window", 0...TOTP.maximumWindow) { $0.totpWindow },
            fractional(.keyringPollSeconds, "--keyring-poll", 0.001...3600) { $0.keyringPollSeconds },
            fractional(.sweepIntervalSeconds, "--sweep-interval", 0.01...86_400) { $0.sweepIntervalSeconds },
            whole(.sweepBatchSize, "--sweep-batch", 1...100_000) { $0.sweepBatchSize },
            fractional(.sweepRetentionSeconds, "sweep_retention_seconds", 0...31_622_400) { $0.sweepRetentionSeconds },
            whole(.argon2Workers, "--argon2-workers", 1...1024) { $0.argon2Workers },
            whole(.argon2MaxQueued, "--argon2-max-queued", 0...1_000_000) { $0.argon2MaxQueued },
            whole(.metricsPort, "--metrics-port", 0...65535) { $0.metricsPort },
            fractional(.frameCompleteTimeoutSeconds, "frame_complete_timeout_seconds", 0.001...3600) {
                $0.frameCompleteTimeoutSeconds
            },
            fractional(.unauthenticatedIdleTimeoutSeconds, "unauthenticated_idle_timeout_seconds", 0.001...3600) {
                $0.unauthenticatedIdleTimeoutSeconds
            },
            whole(.unauthenticatedMaxFrameBytes, "unauthenticated_max_frame_bytes", 1024...(64 << 20)) {
                $0.unauthenticatedMaxFrameBytes
            },
            whole(.maxConnectionsPerAddress, "max_connections_per_address", 1...1_000_000) {
                $0.maxConnectionsPerAddress
            },
            whole(.maxUnauthenticatedFailuresPerAddress, "max_unauthenticated_failures_per_address", 1...1_000_000) {
                $0.maxUnauthenticatedFailuresPerAddress
            },
            whole(.wrapWarning, "--wrap-warning", 1...Self.nistRandomNonceLimit) { $0.wrapWarning },
            whole(.rotateAfterWraps, "--rotate-after-wraps", 1...Self.nistRandomNonceLimit) { $0.rotateAfterWraps },
            // One hour to ten years.
            fractional(.rotateAfterDays, "--rotate-after-days", (1.0 / 24)...3650) { $0.rotateAfterDays },
            fractional(.keyringReferencesSeconds, "--keyring-references-interval", 1...86_400) {
                $0.keyringReferencesSeconds
            },
        ]
    }

    /// Checks every setting before any is used: each number within its range (``numericRanges``), names not
    /// empty, the log level known.
    ///
    /// - Throws: ``ServerSettingsError`` with one line naming the first setting at fault and what it allows.
    public func validate() throws {
        for range in Self.numericRanges {
            if let problem = range.problem(in: self) { throw ServerSettingsError(problem) }
        }
        let names: [(CodingKeys, String, String?)] = [
            (.host, "--host", host), (.metricsHost, "--metrics-host", metricsHost),
            (.callersFile, "--callers", callersFile), (.sqlitePath, "--sqlite-path", sqlitePath),
            (.databaseURLFile, "--database-url-file", databaseURLFile),
            (.rootKeyFile, "--root-key-file", rootKeyFile), (.tlsCertificateChain, "--tls-cert", tlsCertificateChain),
            (.tlsPrivateKey, "--tls-key", tlsPrivateKey), (.tlsClientCA, "--tls-client-ca", tlsClientCA),
            (.pkcs11Module, "--pkcs11-module", pkcs11Module), (.pkcs11Token, "--pkcs11-token", pkcs11Token),
            (.pkcs11Key, "--pkcs11-key", pkcs11Key), (.pkcs11PinFile, "--pkcs11-pin-file", pkcs11PinFile),
            (.authConfigFile, "--auth-config", authConfigFile),
            (.commonPasswordsFile, "--common-passwords", commonPasswordsFile),
            (.breachedPasswordsFile, "--breached-passwords", breachedPasswordsFile),
        ]
        for (key, flag, value) in names where value?.isEmpty == true {
            throw ServerSettingsError("\(key.rawValue) (\(flag)) must not be empty")
        }
        if databaseURL != nil, databaseURLFile != nil {
            throw ServerSettingsError("give database_url or database_url_file, not both")
        }
        try validateRootKeySource()
        if let logLevel, Logger.Level(rawValue: logLevel) == nil {
            throw ServerSettingsError(
                "log_level (--log-level) must be trace, debug, info, notice, warning, error or critical"
            )
        }
    }

    /// The root key comes from one place: a PKCS#11 token (`pkcs11_key` with its module and token) or a file.
    /// The module, token and PIN file alone are not refused: a layer above may have replaced a lower layer's
    /// `pkcs11_key` with a `root_key_file`.
    private func validateRootKeySource() throws {
        if rootKeyFile != nil, pkcs11Key != nil {
            throw ServerSettingsError("give root_key_file or pkcs11_key, not both")
        }
        if pkcs11Key != nil {
            if pkcs11Module == nil {
                throw ServerSettingsError("pkcs11_key (--pkcs11-key) needs pkcs11_module (--pkcs11-module)")
            }
            if pkcs11Token == nil {
                throw ServerSettingsError("pkcs11_key (--pkcs11-key) needs pkcs11_token (--pkcs11-token)")
            }
        }
    }
}
