import NIOSSL
import TesseraTestSupport

extension TestCertificates {
    /// A TLS 1.3 server context that requires a client certificate signed by the test CA.
    func serverContext() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(serverCertificateFile).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: serverKeyFile, format: .pem))
        )
        configuration.minimumTLSVersion = .tlsv13
        configuration.certificateVerification = .noHostnameVerification
        configuration.trustRoots = .file(caFile)
        return try NIOSSLContext(configuration: configuration)
    }
}
