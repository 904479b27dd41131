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
                return "\(key) (\(flag)) must be from \(Self.text(minimum)) to \(Self.text(maximum)), not "
                    + Self.text(value)
            }
            return nil
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

    private static func seconds(
        _ key: CodingKeys, _ flag: String, _ range: ClosedRange<Double>, _ value: @escaping @Sendable (Self) -> Double?
    ) -> NumericRange {
        NumericRange(
            key: key.rawValue, flag: flag, minimum: range.lowerBound, maximum: range.upperBound, isFractional: true,
            value: value
        )
    }

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
            seconds(.idleTimeoutSeconds, "--idle-timeout", 0.001...86_400) { $0.idleTimeoutSeconds },
            seconds(.writeTimeoutSeconds, "--write-timeout", 0.001...3600) { $0.writeTimeoutSeconds },
            seconds(.shutdownGraceSeconds, "--shutdown-grace", 0...3600) { $0.shutdownGraceSeconds },
            whole(.maxBatchItems, "--max-batch-items", 1...100_000) { $0.maxBatchItems },
            whole(.totpWindow, "--totp-window", 0...TOTP.maximumWindow) { $0.totpWindow },
            seconds(.keyringPollSeconds, "--keyring-poll", 0.001...3600) { $0.keyringPollSeconds },
            seconds(.sweepIntervalSeconds, "--sweep-interval", 0.01...86_400) { $0.sweepIntervalSeconds },
            whole(.sweepBatchSize, "--sweep-batch", 1...100_000) { $0.sweepBatchSize },
            seconds(.sweepRetentionSeconds, "sweep_retention_seconds", 0...31_622_400) { $0.sweepRetentionSeconds },
            whole(.argon2Workers, "--argon2-workers", 1...1024) { $0.argon2Workers },
            whole(.argon2MaxQueued, "--argon2-max-queued", 0...1_000_000) { $0.argon2MaxQueued },
            whole(.metricsPort, "--metrics-port", 0...65535) { $0.metricsPort },
            seconds(.frameCompleteTimeoutSeconds, "frame_complete_timeout_seconds", 0.001...3600) {
                $0.frameCompleteTimeoutSeconds
            },
            seconds(.unauthenticatedIdleTimeoutSeconds, "unauthenticated_idle_timeout_seconds", 0.001...3600) {
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
        ]
        for (key, flag, value) in names where value?.isEmpty == true {
            throw ServerSettingsError("\(key.rawValue) (\(flag)) must not be empty")
        }
        if databaseURL != nil, databaseURLFile != nil {
            throw ServerSettingsError("give database_url or database_url_file, not both")
        }
        if let logLevel, Logger.Level(rawValue: logLevel) == nil {
            throw ServerSettingsError(
                "log_level (--log-level) must be trace, debug, info, notice, warning, error or critical"
            )
        }
    }
}
