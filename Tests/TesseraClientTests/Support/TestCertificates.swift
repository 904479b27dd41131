import Foundation
import NIOSSL

/// A throwaway certificate authority with a server and a client certificate, made by the openssl CLI in a
/// temporary folder for one test.
struct TestCertificates {
    let directory: URL

    var caFile: String { self.path("ca.pem") }
    var serverCertificateFile: String { self.path("server.pem") }
    var serverKeyFile: String { self.path("server.key") }
    var clientCertificateFile: String { self.path("client.pem") }
    var clientKeyFile: String { self.path("client.key") }
    /// A second CA that signed nothing here, for "untrusted server" tests.
    var otherCAFile: String { self.path("other-ca.pem") }

    /// Generates the files (P-256 keys, valid for one day, the server's for `localhost` and `127.0.0.1`).
    ///
    /// `openssl` runs through Foundation's `Process`, whose `waitUntilExit()` blocks its thread: the work runs on a
    /// Dispatch thread, never on the (two-thread, on a 2-core machine) Swift concurrency pool.
    static func generate() async throws -> TestCertificates {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try Self.generateBlocking() })
            }
        }
    }

    private static func generateBlocking() throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tessera-client-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificates = TestCertificates(directory: directory)
        try Data("subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n".utf8)
            .write(to: directory.appendingPathComponent("server.ext"))
        try Data("extendedKeyUsage=clientAuth\n".utf8).write(to: directory.appendingPathComponent("client.ext"))
        let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try certificates.openssl(
            ["req", "-x509"] + key + [
                "-keyout", "ca.key", "-out", "ca.pem", "-days", "1", "-subj", "/CN=Tessera Test CA",
            ])
        try certificates.openssl(
            ["req", "-x509"] + key + [
                "-keyout", "other-ca.key", "-out", "other-ca.pem", "-days", "1", "-subj", "/CN=Other CA",
            ])
        for name in ["server", "client"] {
            let subject = name == "server" ? "/CN=localhost" : "/CN=test-caller"
            try certificates.openssl(
                ["req"] + key + ["-keyout", "\(name).key", "-out", "\(name).csr", "-subj", subject])
            try certificates.openssl([
                "x509", "-req", "-in", "\(name).csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "\(name).pem", "-days", "1", "-extfile", "\(name).ext",
            ])
        }
        return certificates
    }

    /// A TLS 1.3 server context that requires a client certificate signed by the test CA.
    func serverContext() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(self.serverCertificateFile).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: self.serverKeyFile, format: .pem))
        )
        configuration.minimumTLSVersion = .tlsv13
        configuration.certificateVerification = .noHostnameVerification
        configuration.trustRoots = .file(self.caFile)
        return try NIOSSLContext(configuration: configuration)
    }

    func remove() {
        try? FileManager.default.removeItem(at: self.directory)
    }

    private func path(_ name: String) -> String {
        self.directory.appendingPathComponent(name).path
    }

    private func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.currentDirectoryURL = self.directory
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FakeServerTimeout(what: "openssl \(arguments.first ?? "") to succeed")
        }
    }
}
