import Foundation

/// A CA, a server certificate (for `localhost` and 127.0.0.1) and a client certificate, generated at run time
/// with the `openssl` command into a temporary folder.
struct TestCertificates {
    let directory: URL
    var caCertificate: String { directory.appendingPathComponent("ca.pem").path }
    var serverCertificate: String { directory.appendingPathComponent("server.pem").path }
    var serverKey: String { directory.appendingPathComponent("server-key.pem").path }
    var clientCertificate: String { directory.appendingPathComponent("client.pem").path }
    var clientKey: String { directory.appendingPathComponent("client-key.pem").path }
    /// The subject common name of the client certificate.
    let clientCommonName = "gateway.test"

    /// Whether the `openssl` command is available.
    static var isAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")
    }

    /// Generates the certificates.
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
            .appendingPathComponent("tessera-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificates = TestCertificates(directory: directory)
        let d = directory.path
        try run([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", "\(d)/ca-key.pem", "-out", "\(d)/ca.pem", "-days", "2", "-subj", "/CN=Tessera Test CA",
        ])
        try issue(
            name: "server", commonName: "localhost", in: d,
            extensions: "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
        try issue(
            name: "client", commonName: certificates.clientCommonName, in: d,
            extensions: "extendedKeyUsage=clientAuth\n")
        return certificates
    }

    private static func issue(name: String, commonName: String, in d: String, extensions: String) throws {
        try extensions.write(toFile: "\(d)/\(name).ext", atomically: true, encoding: .utf8)
        try run([
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", "\(d)/\(name)-key.pem", "-out", "\(d)/\(name).csr", "-subj", "/O=Tessera Tests/CN=\(commonName)",
        ])
        try run([
            "x509", "-req", "-in", "\(d)/\(name).csr", "-CA", "\(d)/ca.pem", "-CAkey", "\(d)/ca-key.pem",
            "-CAcreateserial", "-out", "\(d)/\(name).pem", "-days", "2", "-extfile", "\(d)/\(name).ext",
        ])
    }

    private static func run(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw RawClientError("openssl \(arguments.first ?? "") failed with status \(process.terminationStatus)")
        }
    }

    /// Removes the folder.
    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}
