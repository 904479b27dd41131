import Foundation
import NIOSSL
import TesseraCrypto
import TesseraServer
import TesseraTestSupport
import TesseraWire
import Testing

/// Which caller a mutual-TLS connection is: a certificate alone identifies only a caller without a credential; a
/// caller with both needs both, its own; a certificate whose subject has several common names identifies no one.
@Suite(
    "Mutual TLS identity", .enabled(if: TestCertificates.isAvailable, "needs the openssl command"),
    .timeLimit(.minutes(5))
)
struct MutualTLSIdentityTests {
    /// The client certificate a connection presents.
    enum Presented: String, CaseIterable, CustomTestStringConvertible, Sendable {
        /// CN=gateway.test: the certificate-only caller `gateway`.
        case gateway
        /// CN=peer.test: the caller `both`, which also has a credential.
        case peer
        /// CN=gateway.test and CN=peer.test in one subject.
        case multipleCommonNames

        var testDescription: String { rawValue }

        func files(_ certificates: TestCertificates) -> (certificate: String, key: String) {
            switch self {
            case .gateway: (certificates.clientCertificateFile, certificates.clientKeyFile)
            case .peer: (certificates.secondClientCertificateFile, certificates.secondClientKeyFile)
            case .multipleCommonNames:
                (certificates.multipleCommonNamesCertificateFile, certificates.multipleCommonNamesKeyFile)
            }
        }
    }

    /// The bearer a call presents.
    enum Bearer: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case none
        /// The credential of the caller `both`.
        case both

        var testDescription: String { rawValue }
    }

    private static func clientContext(_ certificates: TestCertificates, _ presented: Presented) throws -> NIOSSLContext
    {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certificates.caFile))
        configuration.minimumTLSVersion = .tlsv13
        let files = presented.files(certificates)
        configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(files.certificate).map { .certificate($0) }
        configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: files.key, format: .pem))
        return try NIOSSLContext(configuration: configuration)
    }

    /// What `Secrets/Seal` gets for each certificate and bearer.
    static let expectations: [(Presented, Bearer, StatusCode)] = [
        (.gateway, .none, .ok),  // certificate-only caller: the certificate is its identity
        (.peer, .none, .unauthenticated),  // `both` has a credential: its certificate alone is not enough
        (.peer, .both, .ok),  // both, and they match
        (.gateway, .both, .unauthenticated),  // `both`'s credential over another caller's certificate
        (.multipleCommonNames, .none, .unauthenticated),  // two CNs: no identity at all
        (.multipleCommonNames, .both, .unauthenticated),
    ]

    @Test("A certificate and a bearer identify one caller, or none", arguments: expectations)
    func identity(presented: Presented, bearer: Bearer, expected: StatusCode) async throws {
        let certificates = try await TestCertificates.generate()
        defer { certificates.remove() }
        let tls = ServerTLSConfiguration(
            certificateChainPath: certificates.serverCertificateFile,
            privateKeyPath: certificates.serverKeyFile,
            clientCAPath: certificates.caFile
        )
        let token = OpaqueToken.generate(.caller)
        let callers: [CallersFile.Entry] = [
            .init(
                id: "gateway", credentialSHA256: nil, allow: ["tessera.v1.Secrets/*"],
                certificateSubject: certificates.clientCommonName
            ),
            .init(
                id: "both", credentialSHA256: token.digest.hex, allow: ["tessera.v1.Secrets/*"],
                certificateSubject: certificates.secondClientCommonName
            ),
        ]
        try await TestServer.with(configuration: .init(tls: tls), extraCallers: callers) { server in
            let client = try await server.connect(tls: try Self.clientContext(certificates, presented))
            var seal = Tessera_V1_SealRequest()
            seal.plaintext = Data("by certificate".utf8)
            let reply = try await client.unary(
                MethodCatalog.secretsSeal.name, body: seal, token: bearer == .both ? token.reveal() : nil
            )
            #expect(reply.code == expected)
        }
    }
}
