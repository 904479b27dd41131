import Foundation
import TesseraServer

extension ServerSettings {
    /// What a key's value is, for reading it from an environment variable.
    private enum ValueKind {
        case text, flag, number, integer
    }

    private static func kind(of key: CodingKeys) -> ValueKind {
        switch key {
        case .host, .callersFile, .databaseURL, .databaseURLFile, .sqlitePath, .rootKeyFile, .logLevel,
            .tlsCertificateChain, .tlsPrivateKey, .tlsClientCA, .metricsHost, .pkcs11Module, .pkcs11Token,
            .pkcs11Key, .pkcs11PinFile, .authConfigFile, .commonPasswordsFile, .breachedPasswordsFile:
            .text
        case .production, .metricsEnabled, .development, .allowPlaintext:
            .flag
        case .idleTimeoutSeconds, .writeTimeoutSeconds, .shutdownGraceSeconds, .keyringPollSeconds,
            .frameCompleteTimeoutSeconds, .unauthenticatedIdleTimeoutSeconds, .sweepIntervalSeconds,
            .sweepRetentionSeconds, .rotateAfterDays, .keyringReferencesSeconds:
            .number
        case .port, .maxFrameBytes, .maxConnections, .maxCallsInFlight, .defaultTimeoutMilliseconds,
            .maxTimeoutMilliseconds, .maxBatchItems, .totpWindow, .sweepBatchSize, .argon2Workers, .argon2MaxQueued,
            .metricsPort, .unauthenticatedMaxFrameBytes, .maxConnectionsPerAddress,
            .maxUnauthenticatedFailuresPerAddress, .wrapWarning, .rotateAfterWraps:
            .integer
        }
    }

    /// Reads settings from `TESSERA_*` environment variables: the JSON key in upper case with the prefix, for
    /// example `TESSERA_PORT`, `TESSERA_MAX_FRAME_BYTES`, `TESSERA_TLS_CLIENT_CA`, `TESSERA_PKCS11_KEY`.
    ///
    /// - Parameter environment: The environment (usually `ProcessInfo.processInfo.environment`).
    /// - Returns: The settings found.
    /// - Throws: ``ServerSettingsError`` for a value that does not parse.
    public static func fromEnvironment(_ environment: [String: String]) throws -> ServerSettings {
        var object: [String: Any] = [:]
        for key in CodingKeys.allCases {
            let variable = "TESSERA_" + key.rawValue.uppercased()
            guard let value = environment[variable] else { continue }
            switch kind(of: key) {
            case .text:
                object[key.rawValue] = value
            case .flag:
                guard
                    let flag = ["1": true, "true": true, "yes": true, "0": false, "false": false, "no": false][
                        value.lowercased()]
                else {
                    throw ServerSettingsError("\(variable) must be true or false")
                }
                object[key.rawValue] = flag
            case .number:
                guard let number = Double(value), number.isFinite else {
                    throw ServerSettingsError("\(variable) must be a finite number")
                }
                object[key.rawValue] = number
            case .integer:
                guard let number = Int(value) else {
                    throw ServerSettingsError("\(variable) must be an integer")
                }
                object[key.rawValue] = number
            }
        }
        let data = try JSONSerialization.data(withJSONObject: object)
        return try JSONDecoder().decode(ServerSettings.self, from: data)
    }

    /// These settings with every field that `other` sets replaced by `other`'s value.
    ///
    /// Two settings given two ways are replaced as a whole: a layer giving `database_url` or `database_url_file`
    /// replaces both from the layers below, and one giving `root_key_file` or `pkcs11_key` (where the root key
    /// comes from) replaces both.
    ///
    /// - Parameter other: The settings of higher precedence.
    /// - Returns: The layered settings.
    public func overlaid(by other: ServerSettings) -> ServerSettings {
        var result = self
        result.host = other.host ?? host
        result.port = other.port ?? port
        result.maxFrameBytes = other.maxFrameBytes ?? maxFrameBytes
        result.maxConnections = other.maxConnections ?? maxConnections
        result.maxCallsInFlight = other.maxCallsInFlight ?? maxCallsInFlight
        result.defaultTimeoutMilliseconds = other.defaultTimeoutMilliseconds ?? defaultTimeoutMilliseconds
        result.maxTimeoutMilliseconds = other.maxTimeoutMilliseconds ?? maxTimeoutMilliseconds
        result.idleTimeoutSeconds = other.idleTimeoutSeconds ?? idleTimeoutSeconds
        result.writeTimeoutSeconds = other.writeTimeoutSeconds ?? writeTimeoutSeconds
        result.shutdownGraceSeconds = other.shutdownGraceSeconds ?? shutdownGraceSeconds
        result.maxBatchItems = other.maxBatchItems ?? maxBatchItems
        result.totpWindow = other.totpWindow ?? totpWindow
        result.callersFile = other.callersFile ?? callersFile
        result.sqlitePath = other.sqlitePath ?? sqlitePath
        result.keyringPollSeconds = other.keyringPollSeconds ?? keyringPollSeconds
        result.sweepIntervalSeconds = other.sweepIntervalSeconds ?? sweepIntervalSeconds
        result.sweepBatchSize = other.sweepBatchSize ?? sweepBatchSize
        result.sweepRetentionSeconds = other.sweepRetentionSeconds ?? sweepRetentionSeconds
        result.production = other.production ?? production
        result.argon2Workers = other.argon2Workers ?? argon2Workers
        result.argon2MaxQueued = other.argon2MaxQueued ?? argon2MaxQueued
        result.logLevel = other.logLevel ?? logLevel
        result.tlsCertificateChain = other.tlsCertificateChain ?? tlsCertificateChain
        result.tlsPrivateKey = other.tlsPrivateKey ?? tlsPrivateKey
        result.tlsClientCA = other.tlsClientCA ?? tlsClientCA
        result.metricsHost = other.metricsHost ?? metricsHost
        result.metricsPort = other.metricsPort ?? metricsPort
        result.metricsEnabled = other.metricsEnabled ?? metricsEnabled
        result.development = other.development ?? development
        result.allowPlaintext = other.allowPlaintext ?? allowPlaintext
        // The URL and the URL file are one setting given two ways: a higher layer giving either replaces both.
        if other.databaseURL != nil || other.databaseURLFile != nil {
            result.databaseURL = other.databaseURL
            result.databaseURLFile = other.databaseURLFile
        }
        // So are the root key file and the PKCS#11 key label (the token's module, token label and PIN file only
        // matter with a key label, and layer one by one).
        if other.rootKeyFile != nil || other.pkcs11Key != nil {
            result.rootKeyFile = other.rootKeyFile
            result.pkcs11Key = other.pkcs11Key
        }
        result.pkcs11Module = other.pkcs11Module ?? pkcs11Module
        result.pkcs11Token = other.pkcs11Token ?? pkcs11Token
        result.pkcs11PinFile = other.pkcs11PinFile ?? pkcs11PinFile
        result.frameCompleteTimeoutSeconds = other.frameCompleteTimeoutSeconds ?? frameCompleteTimeoutSeconds
        result.unauthenticatedIdleTimeoutSeconds =
            other.unauthenticatedIdleTimeoutSeconds ?? unauthenticatedIdleTimeoutSeconds
        result.unauthenticatedMaxFrameBytes = other.unauthenticatedMaxFrameBytes ?? unauthenticatedMaxFrameBytes
        result.maxConnectionsPerAddress = other.maxConnectionsPerAddress ?? maxConnectionsPerAddress
        result.maxUnauthenticatedFailuresPerAddress =
            other.maxUnauthenticatedFailuresPerAddress ?? maxUnauthenticatedFailuresPerAddress
        result.wrapWarning = other.wrapWarning ?? wrapWarning
        result.rotateAfterWraps = other.rotateAfterWraps ?? rotateAfterWraps
        result.rotateAfterDays = other.rotateAfterDays ?? rotateAfterDays
        result.keyringReferencesSeconds = other.keyringReferencesSeconds ?? keyringReferencesSeconds
        result.authConfigFile = other.authConfigFile ?? authConfigFile
        result.commonPasswordsFile = other.commonPasswordsFile ?? commonPasswordsFile
        result.breachedPasswordsFile = other.breachedPasswordsFile ?? breachedPasswordsFile
        return result
    }
}
