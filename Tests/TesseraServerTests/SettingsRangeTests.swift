import Foundation
import Testing

@testable import TesseraServer
@testable import TesseraSettings

/// Every numeric setting of `tessera serve` is checked against its range before it is used: out-of-range values
/// used to trap at start-up (`--idle-timeout 1e300`) or break every call (`--totp-window 100000`).
@Suite("Settings ranges and mode")
struct SettingsRangeTests {
    /// Each numeric setting's JSON key, allowed range and whether it takes fractions (seconds).
    static let table: [(key: String, minimum: Double, maximum: Double, fractional: Bool)] = [
        ("port", 0, 65535, false),
        ("max_frame_bytes", 1024, 67_108_864, false),
        ("max_connections", 1, 1_000_000, false),
        ("max_calls_in_flight", 1, 100_000, false),
        ("default_timeout_ms", 1, 3_600_000, false),
        ("max_timeout_ms", 1, 3_600_000, false),
        ("idle_timeout_seconds", 0.001, 86_400, true),
        ("write_timeout_seconds", 0.001, 3600, true),
        ("shutdown_grace_seconds", 0, 3600, true),
        ("max_batch_items", 1, 100_000, false),
        ("totp_window", 0, 10, false),
        ("keyring_poll_seconds", 0.001, 3600, true),
        ("sweep_interval_seconds", 0.01, 86_400, true),
        ("sweep_batch_size", 1, 100_000, false),
        ("sweep_retention_seconds", 0, 31_622_400, true),
        ("argon2_workers", 1, 1024, false),
        ("argon2_max_queued", 0, 1_000_000, false),
        ("metrics_port", 0, 65535, false),
        ("frame_complete_timeout_seconds", 0.001, 3600, true),
        ("unauthenticated_idle_timeout_seconds", 0.001, 3600, true),
        ("unauthenticated_max_frame_bytes", 1024, 67_108_864, false),
        ("max_connections_per_address", 1, 1_000_000, false),
        ("max_unauthenticated_failures_per_address", 1, 1_000_000, false),
        ("wrap_warning", 1, 4_294_967_296, false),
        ("rotate_after_wraps", 1, 4_294_967_296, false),
        ("rotate_after_days", 1.0 / 24, 3650, true),
        ("keyring_references_seconds", 1, 86_400, true),
    ]

    /// A value of a setting and whether it is accepted.
    struct Case: CustomTestStringConvertible, Sendable {
        let key: String
        let value: String
        let accepted: Bool

        var testDescription: String { "\(key)=\(value) \(accepted ? "accepted" : "refused")" }
    }

    static var cases: [Case] {
        table.flatMap { row -> [Case] in
            func text(_ number: Double) -> String {
                row.fractional ? "\(number)" : String(Int64(number))
            }
            var cases = [
                Case(key: row.key, value: text(row.minimum), accepted: true),
                Case(key: row.key, value: text(row.maximum), accepted: true),
                Case(key: row.key, value: text(row.maximum + 1), accepted: false),
                Case(key: row.key, value: text(-1), accepted: false),
            ]
            if row.minimum > 0 {
                cases.append(Case(key: row.key, value: text(row.fractional ? 0 : row.minimum - 1), accepted: false))
            }
            if row.fractional {
                for value in ["1e300", "-1e300", "nan", "inf", "-inf", "0.0001"]
                where value != "0.0001" || row.minimum > 0 {
                    cases.append(Case(key: row.key, value: value, accepted: false))
                }
            } else {
                cases.append(Case(key: row.key, value: String(Int.max), accepted: false))
                cases.append(Case(key: row.key, value: String(Int.min), accepted: false))
            }
            return cases
        }
    }

    @Test("The table names every numeric setting")
    func tableIsComplete() {
        #expect(Set(Self.table.map(\.key)) == Set(ServerSettings.numericRanges.map(\.key)))
        for row in Self.table {
            let range = ServerSettings.numericRanges.first { $0.key == row.key }
            #expect(range?.minimum == row.minimum && range?.maximum == row.maximum, "\(row.key)")
        }
    }

    @Test(
        "Each numeric setting: its bounds are accepted, beyond them refused in one line naming it and its range",
        arguments: cases)
    func range(_ testCase: Case) throws {
        let environment = ["TESSERA_" + testCase.key.uppercased(): testCase.value]
        if testCase.accepted {
            let settings = try ServerSettings.fromEnvironment(environment)
            _ = try settings.serverConfiguration()
            _ = try settings.keyringPollInterval()
            _ = try settings.keyringReferencesInterval()
            _ = try settings.sweeper()
            _ = try settings.metricsEndpoint()
        } else {
            // NaN and infinities stop at reading the environment; other values at validation.
            let error = #expect(throws: ServerSettingsError.self) {
                try ServerSettings.fromEnvironment(environment).serverConfiguration()
            }
            let message = error?.message ?? ""
            #expect(message.lowercased().contains(testCase.key), "\(message)")
            if Double(testCase.value)?.isFinite == true {
                #expect(message.hasPrefix(testCase.key), "\(message)")
                #expect(message.contains(" from ") && message.contains(" to "), "\(message)")
            }
            #expect(!message.contains("\n"))
        }
    }

    @Test(
        "NaN and infinities given as flags (not through JSON or the environment) are refused",
        arguments: [Double.nan, .infinity, -.infinity, 1e300]
    )
    func nonFinite(value: Double) {
        let setters: [(String, (inout ServerSettings) -> Void)] = [
            ("idle_timeout_seconds", { $0.idleTimeoutSeconds = value }),
            ("write_timeout_seconds", { $0.writeTimeoutSeconds = value }),
            ("shutdown_grace_seconds", { $0.shutdownGraceSeconds = value }),
            ("keyring_poll_seconds", { $0.keyringPollSeconds = value }),
        ]
        for (key, set) in setters {
            var settings = ServerSettings()
            set(&settings)
            let error = #expect(throws: ServerSettingsError.self) { try settings.serverConfiguration() }
            #expect(error?.message.hasPrefix(key) == true, "\(String(describing: error))")
            if key == "keyring_poll_seconds" {
                #expect(throws: ServerSettingsError.self) { try settings.keyringPollInterval() }
            }
        }
    }

    @Test("Empty names and an unknown log level are refused")
    func names() throws {
        for (key, value) in [("TESSERA_HOST", ""), ("TESSERA_CALLERS_FILE", ""), ("TESSERA_LOG_LEVEL", "loud")] {
            let settings = try ServerSettings.fromEnvironment([key: value])
            #expect(throws: ServerSettingsError.self) { try settings.serverConfiguration() }
        }
        var both = ServerSettings()
        both.databaseURL = "postgres://u@h/d"
        both.databaseURLFile = "/run/secrets/url"
        #expect(throws: ServerSettingsError.self) { try both.serverConfiguration() }
        // A higher layer giving the URL file replaces a lower layer's URL, and the reverse.
        var file = ServerSettings()
        file.databaseURLFile = "/run/secrets/url"
        var url = ServerSettings()
        url.databaseURL = "postgres://u@h/d"
        #expect(url.overlaid(by: file).databaseURL == nil)
        #expect(file.overlaid(by: url).databaseURLFile == nil)
    }

    @Test(
        "Production mode is the default; development must be asked for; production needs TLS or allow_plaintext",
        arguments: [
            // (production, development, allow_plaintext, TLS on, production mode or nil for an error, TLS refused)
            (nil, nil, nil, false, true, true),
            (nil, nil, nil, true, true, false),
            (nil, nil, true, false, true, false),
            (true, nil, nil, false, true, true),
            (false, nil, nil, false, false, false),
            (nil, true, nil, false, false, false),
            (false, true, nil, false, false, false),
            (true, true, nil, false, nil, false),
        ] as [(Bool?, Bool?, Bool?, Bool, Bool?, Bool)]
    )
    func mode(
        production: Bool?, development: Bool?, allowPlaintext: Bool?, tls: Bool, expected: Bool?, tlsRefused: Bool
    ) throws {
        var settings = ServerSettings()
        settings.production = production
        settings.development = development
        settings.allowPlaintext = allowPlaintext
        if tls {
            settings.tlsCertificateChain = "server.pem"
            settings.tlsPrivateKey = "server-key.pem"
        }
        guard let expected else {
            #expect(throws: ServerSettingsError.self) { try settings.isProductionMode() }
            return
        }
        #expect(try settings.isProductionMode() == expected)
        if tlsRefused {
            let error = #expect(throws: ServerSettingsError.self) { try settings.requireTransportSecurity() }
            #expect(error?.message.contains("--allow-plaintext") == true)
        } else {
            try settings.requireTransportSecurity()
        }
    }

    @Test("The mode keys come from the settings file and the environment")
    func modeKeys() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mode-\(UUID()).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(#"{"development": true, "allow_plaintext": true}"#.utf8).write(to: URL(fileURLWithPath: path))
        let file = try ServerSettings.load(from: path)
        #expect(file.development == true && file.allowPlaintext == true)
        let environment = try ServerSettings.fromEnvironment([
            "TESSERA_DEVELOPMENT": "false", "TESSERA_ALLOW_PLAINTEXT": "no",
        ])
        #expect(environment.development == false && environment.allowPlaintext == false)
        #expect(try file.overlaid(by: environment).isProductionMode())
    }
}
