import Foundation

/// A throwaway certificate authority with a server certificate (for `localhost` and 127.0.0.1), two client
/// certificates and one whose subject has two common names, plus a second CA that signed nothing, made by the
/// `openssl` command in a temporary folder for one test (P-256 keys, valid for two days).
public struct TestCertificates: Sendable {
    /// The folder holding the files.
    public let directory: URL
    /// The subject common name of the client certificate (`/O=Tessera Tests/CN=gateway.test`).
    public let clientCommonName = "gateway.test"
    /// The subject common name of the second client certificate (`/O=Tessera Tests/CN=peer.test`).
    public let secondClientCommonName = "peer.test"

    /// The CA certificate (PEM).
    public var caFile: String { path("ca.pem") }
    /// The server certificate (PEM), for DNS `localhost` and IP 127.0.0.1, extended key usage serverAuth.
    public var serverCertificateFile: String { path("server.pem") }
    /// The server's private key (PEM).
    public var serverKeyFile: String { path("server-key.pem") }
    /// The client certificate (PEM), extended key usage clientAuth.
    public var clientCertificateFile: String { path("client.pem") }
    /// The client's private key (PEM).
    public var clientKeyFile: String { path("client-key.pem") }
    /// The second client certificate (PEM), extended key usage clientAuth.
    public var secondClientCertificateFile: String { path("second-client.pem") }
    /// The second client's private key (PEM).
    public var secondClientKeyFile: String { path("second-client-key.pem") }
    /// A client certificate whose subject has both common names, `gateway.test` and then `peer.test` (PEM).
    public var multipleCommonNamesCertificateFile: String { path("multiple-cn.pem") }
    /// Its private key (PEM).
    public var multipleCommonNamesKeyFile: String { path("multiple-cn-key.pem") }
    /// A second CA certificate that signed nothing here, for "untrusted peer" tests.
    public var otherCAFile: String { path("other-ca.pem") }

    /// The `openssl` command.
    static let openssl = "/usr/bin/openssl"

    /// Whether the `openssl` command is available.
    public static var isAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: openssl)
    }

    /// Generates the files in a new temporary folder; remove it with ``remove()``.
    ///
    /// - Returns: The certificates.
    /// - Throws: ``TestSupportError`` when `openssl` fails.
    public static func generate() async throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tessera-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificates = TestCertificates(directory: directory)
        for (name, subject) in [("ca", "/CN=Tessera Test CA"), ("other-ca", "/CN=Other Test CA")] {
            try await certificates.openssl(
                ["req", "-x509"] + keyArguments(name) + ["-out", "\(name).pem", "-days", "2", "-subj", subject]
            )
        }
        try await certificates.issue(
            "server", subject: "/O=Tessera Tests/CN=localhost",
            extensions: "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"
        )
        try await certificates.issue(
            "client", subject: "/O=Tessera Tests/CN=\(certificates.clientCommonName)",
            extensions: "extendedKeyUsage=clientAuth\n"
        )
        try await certificates.issue(
            "second-client", subject: "/O=Tessera Tests/CN=\(certificates.secondClientCommonName)",
            extensions: "extendedKeyUsage=clientAuth\n"
        )
        try await certificates.issue(
            "multiple-cn",
            subject: "/O=Tessera Tests/CN=\(certificates.clientCommonName)/CN=\(certificates.secondClientCommonName)",
            extensions: "extendedKeyUsage=clientAuth\n"
        )
        return certificates
    }

    /// Removes the folder.
    public func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    private static func keyArguments(_ name: String) -> [String] {
        ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "\(name)-key.pem"]
    }

    private func issue(_ name: String, subject: String, extensions: String) async throws {
        try Data(extensions.utf8).write(to: directory.appendingPathComponent("\(name).ext"))
        try await openssl(["req"] + Self.keyArguments(name) + ["-out", "\(name).csr", "-subj", subject])
        try await openssl([
            "x509", "-req", "-in", "\(name).csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial",
            "-out", "\(name).pem", "-days", "2", "-extfile", "\(name).ext",
        ])
    }

    private func openssl(_ arguments: [String]) async throws {
        let outcome = try await ChildProcess.run(Self.openssl, arguments, directory: directory.path)
        guard outcome.status == 0 else {
            throw TestSupportError(
                "openssl \(arguments.first ?? "") failed with status \(outcome.status): \(outcome.standardError)"
            )
        }
    }

    private func path(_ name: String) -> String {
        directory.appendingPathComponent(name).path
    }
}
