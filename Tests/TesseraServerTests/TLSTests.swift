import Foundation
import NIOSSL
import TesseraServer
import TesseraTestSupport
import TesseraWire
import Testing

/// TLS 1.3 and mutual TLS with certificates made by `openssl` at run time.
@Suite("TLS", .enabled(if: TestCertificates.isAvailable, "needs the openssl command"), .timeLimit(.minutes(5)))
struct TLSTests {
    private static func clientContext(
        _ certificates: TestCertificates,
        withCertificate: Bool,
        maximumVersion: TLSVersion = .tlsv13
    ) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certificates.caFile))
        configuration.minimumTLSVersion = .tlsv12
        configuration.maximumTLSVersion = maximumVersion
        if withCertificate {
            configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certificates.clientCertificateFile)
                .map { .certificate($0) }
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: certificates.clientKeyFile, format: .pem))
        }
        return try NIOSSLContext(configuration: configuration)
    }

    @Test("Calls over TLS 1.3")
    func tls() async throws {
        let certificates = try await TestCertificates.generate()
        defer { certificates.remove() }
        let tls = ServerTLSConfiguration(
            certificateChainPath: certificates.serverCertificateFile, privateKeyPath: certificates.serverKeyFile
        )
        try await TestServer.with(configuration: .init(tls: tls)) { server in
            let client = try await server.connect(tls: try Self.clientContext(certificates, withCertificate: false))
            #expect(try await client.unary(MethodCatalog.healthCheck.name, token: server.adminToken).code == .ok)
            // Without a credential a plain TLS client is a stranger.
            #expect(try await client.unary(MethodCatalog.healthCheck.name, token: nil).code == .unauthenticated)
            // TLS 1.2 is refused.
            let old = try await server.connect(
                tls: try Self.clientContext(certificates, withCertificate: false, maximumVersion: .tlsv12)
            )
            _ = try? await old.call(MethodCatalog.healthCheck.name, token: server.adminToken)
            #expect(await old.drainUntilClosed().isEmpty)
        }
    }

    @Test("Mutual TLS: the certificate subject identifies the caller; no certificate, no connection")
    func mutualTLS() async throws {
        let certificates = try await TestCertificates.generate()
        defer { certificates.remove() }
        let tls = ServerTLSConfiguration(
            certificateChainPath: certificates.serverCertificateFile,
            privateKeyPath: certificates.serverKeyFile,
            clientCAPath: certificates.caFile
        )
        let gateway = CallersFile.Entry(
            id: "gateway", credentialSHA256: nil, allow: ["tessera.v1.Secrets/*"],
            certificateSubject: certificates.clientCommonName
        )
        try await TestServer.with(configuration: .init(tls: tls), extraCallers: [gateway]) { server in
            let client = try await server.connect(tls: try Self.clientContext(certificates, withCertificate: true))
            var seal = Tessera_V1_SealRequest()
            seal.plaintext = Data("by certificate".utf8)
            #expect(try await client.unary(MethodCatalog.secretsSeal.name, body: seal, token: nil).code == .ok)
            #expect(try await client.unary(MethodCatalog.healthCheck.name, token: nil).code == .permissionDenied)
            // A bearer token, when given, takes precedence over the certificate.
            #expect(try await client.unary(MethodCatalog.healthCheck.name, token: server.adminToken).code == .ok)

            let anonymous = try await server.connect(tls: try Self.clientContext(certificates, withCertificate: false))
            _ = try? await anonymous.call(MethodCatalog.healthCheck.name, token: server.adminToken)
            let frames = await anonymous.drainUntilClosed()
            #expect(frames.isEmpty)
        }
    }
}
