import ArgumentParser
import Foundation
import TesseraClient

/// The options shared by the commands that talk to a running server (`tessera call`, `tessera health`).
///
/// The credential is read from a file or the `TESSERA_CREDENTIAL` environment variable, never from a flag value,
/// so that it does not show in `ps` or shell history.
struct ClientOptions: ParsableArguments {
    @Option(help: "The server's host name or IP address.")
    var host = "127.0.0.1"

    @Option(help: "The server's port.")
    var port = TesseraClient.Configuration.defaultPort

    @Option(
        name: .customLong("credential-file"),
        help: ArgumentHelp(
            "A file holding the caller credential (from `tessera callers add`).",
            discussion: "Without it, the TESSERA_CREDENTIAL environment variable is used, if set.",
            valueName: "path"
        )
    )
    var credentialFile: String?

    @Flag(help: "Connect with TLS 1.3 (implied by the other --tls-* options).")
    var tls = false

    @Option(
        name: .customLong("tls-ca-file"),
        help: ArgumentHelp("PEM file of the CAs to trust (default: the system's).", valueName: "path"))
    var tlsCAFile: String?

    @Option(
        name: .customLong("tls-cert-file"),
        help: ArgumentHelp("PEM client certificate chain, for mutual TLS.", valueName: "path"))
    var tlsCertFile: String?

    @Option(
        name: .customLong("tls-key-file"),
        help: ArgumentHelp("PEM private key of the client certificate.", valueName: "path"))
    var tlsKeyFile: String?

    @Option(
        name: .customLong("tls-server-name"),
        help: ArgumentHelp("Name to verify in the server's certificate (default: --host).", valueName: "name"))
    var tlsServerName: String?

    func validate() throws {
        if (self.tlsCertFile == nil) != (self.tlsKeyFile == nil) {
            throw ValidationError("--tls-cert-file and --tls-key-file go together")
        }
        guard (1...65_535).contains(self.port) else {
            throw ValidationError("--port must be between 1 and 65535")
        }
    }

    /// The credential from `--credential-file` or `TESSERA_CREDENTIAL`, if any.
    func credential() throws -> TesseraClient.Credential? {
        if let path = self.credentialFile {
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
            else {
                throw ValidationError("cannot read the credential file \(path)")
            }
            return TesseraClient.Credential(text)
        }
        if let value = ProcessInfo.processInfo.environment["TESSERA_CREDENTIAL"], !value.isEmpty {
            return TesseraClient.Credential(value)
        }
        return nil
    }

    /// A client configured from the options, with one connection and no pause between retries worth waiting for.
    ///
    /// - Parameter timeout: The deadline of each call.
    func makeClient(timeout: Duration) throws -> TesseraClient {
        var configuration = TesseraClient.Configuration(
            host: self.host, port: self.port, credential: try self.credential())
        configuration.connections = 1
        configuration.defaultTimeout = timeout
        configuration.connectTimeout = min(timeout, .seconds(5))
        if let cert = self.tlsCertFile, let key = self.tlsKeyFile {
            configuration.tls = .mutual(
                certificateChainFile: cert, privateKeyFile: key, trustRootsFile: self.tlsCAFile,
                serverHostname: self.tlsServerName
            )
        } else if self.tls || self.tlsCAFile != nil || self.tlsServerName != nil {
            configuration.tls = .enabled(trustRootsFile: self.tlsCAFile, serverHostname: self.tlsServerName)
        }
        return try TesseraClient(configuration: configuration)
    }

    /// Parses a timeout given in seconds.
    static func duration(seconds: Double) throws -> Duration {
        guard seconds > 0, seconds <= 86_400 else {
            throw ValidationError("--timeout must be between 0 and 86400 seconds")
        }
        return .milliseconds(Int64((seconds * 1000).rounded(.up)))
    }
}
