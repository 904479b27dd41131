import Foundation
import TesseraClient
import TesseraServer
import TesseraTestSupport
import TesseraWire
import Testing

/// TLS 1.3 and mutual TLS between the real client and the real server, with certificates made by `openssl` at
/// run time.
@Suite("End to end: TLS and mutual TLS", .enabled(if: TestCertificates.isAvailable, "needs the openssl command"))
struct TLSEndToEndTests {
    @Test("over TLS 1.3 the client verifies the server and calls with its token")
    func tls() async throws {
        let certificates = try await TestCertificates.generate()
        defer { certificates.remove() }
        var configuration = ServerConfiguration()
        configuration.tls = ServerTLSConfiguration(
            certificateChainPath: certificates.serverCertificateFile, privateKeyPath: certificates.serverKeyFile
        )
        try await Harness.with(configuration: configuration) { harness in
            var trusting = harness.clientConfiguration(token: harness.adminToken)
            trusting.tls = .enabled(trustRootsFile: certificates.caFile, serverHostname: "localhost")
            let client = try TesseraClient(configuration: trusting)
            #expect(try await client.health().isServing)
            let sealed = try await client.seal(Array("over TLS".utf8))
            #expect(try await client.open(sealed) == Array("over TLS".utf8))
            await client.shutdown()

            // A client that does not trust the test CA cannot connect. The deadline is far longer than a failing
            // handshake takes even on a loaded machine, so the failure is the handshake's, not the deadline's.
            var untrusting = trusting
            untrusting.tls = .enabled(serverHostname: "localhost")
            untrusting.maxRetries = 0
            let stranger = try TesseraClient(configuration: untrusting)
            let refused = await #expect(throws: TesseraClientError.self) {
                _ = try await stranger.health(timeout: .seconds(30))
            }
            #expect(refused?.code == .connectionFailed)
            await stranger.shutdown()
        }
    }

    @Test("with mutual TLS the certificate subject identifies the caller; without a certificate, no connection")
    func mutualTLS() async throws {
        let certificates = try await TestCertificates.generate()
        defer { certificates.remove() }
        var configuration = ServerConfiguration()
        configuration.tls = ServerTLSConfiguration(
            certificateChainPath: certificates.serverCertificateFile,
            privateKeyPath: certificates.serverKeyFile,
            clientCAPath: certificates.caFile
        )
        let gateway = CallersFile.Entry(
            id: "gateway", credentialSHA256: nil, allow: ["tessera.v1.Secrets/*"],
            certificateSubject: certificates.clientCommonName
        )
        try await Harness.with(configuration: configuration, extraCallers: [gateway]) { harness in
            var mutual = harness.clientConfiguration(token: nil)
            mutual.tls = .mutual(
                certificateChainFile: certificates.clientCertificateFile, privateKeyFile: certificates.clientKeyFile,
                trustRootsFile: certificates.caFile, serverHostname: "localhost"
            )
            let client = try TesseraClient(configuration: mutual)
            let sealed = try await client.seal(Array("by certificate".utf8))
            #expect(try await client.open(sealed) == Array("by certificate".utf8))
            let denied = await #expect(throws: TesseraClientError.self) {
                _ = try await client.health()
            }
            #expect(denied?.code == .status(.permissionDenied))
            await client.shutdown()

            var anonymous = harness.clientConfiguration(token: harness.adminToken)
            anonymous.tls = .enabled(trustRootsFile: certificates.caFile, serverHostname: "localhost")
            anonymous.maxRetries = 0
            let stranger = try TesseraClient(configuration: anonymous)
            await #expect(throws: TesseraClientError.self) {
                _ = try await stranger.health(timeout: .seconds(3))
            }
            await stranger.shutdown()
        }
    }
}
