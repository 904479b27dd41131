import NIOSSL

/// TLS 1.3 for the listener: a certificate chain and private key, and optionally a client CA for mutual TLS.
///
/// All material is read from PEM files when the server starts (``makeContext()``), so a missing or malformed file
/// stops the server before it accepts anything.
public struct ServerTLSConfiguration: Sendable, Hashable {
    /// The PEM file of the server's certificate chain, leaf first.
    public var certificateChainPath: String
    /// The PEM file of the server's private key.
    public var privateKeyPath: String
    /// A PEM file of CA certificates; when set, every client must present a certificate issued by one of them
    /// (mutual TLS). Hostnames are not checked: the certificate's subject common name can identify the caller.
    public var clientCAPath: String?

    /// Creates TLS settings.
    ///
    /// - Parameters:
    ///   - certificateChainPath: The server's certificate chain (PEM).
    ///   - privateKeyPath: The server's private key (PEM).
    ///   - clientCAPath: CA certificates for client certificates (PEM), or `nil` for no mutual TLS.
    public init(certificateChainPath: String, privateKeyPath: String, clientCAPath: String? = nil) {
        self.certificateChainPath = certificateChainPath
        self.privateKeyPath = privateKeyPath
        self.clientCAPath = clientCAPath
    }

    /// Whether clients must present a certificate.
    public var requiresClientCertificate: Bool { clientCAPath != nil }

    /// Loads the files and builds the TLS context: TLS 1.3 only, client certificates required when
    /// ``clientCAPath`` is set.
    ///
    /// - Returns: A context shared by every connection.
    /// - Throws: The NIOSSL error for an unreadable or malformed file.
    public func makeContext() throws -> NIOSSLContext {
        let chain = try NIOSSLCertificate.fromPEMFile(certificateChainPath).map {
            NIOSSLCertificateSource.certificate($0)
        }
        let key = try NIOSSLPrivateKey(file: privateKeyPath, format: .pem)
        var configuration: TLSConfiguration
        if let clientCAPath {
            let roots = try NIOSSLCertificate.fromPEMFile(clientCAPath)
            configuration = TLSConfiguration.makeServerConfigurationWithMTLS(
                certificateChain: chain,
                privateKey: .privateKey(key),
                trustRoots: .certificates(roots)
            )
            configuration.certificateVerification = .noHostnameVerification
        } else {
            configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain,
                privateKey: .privateKey(key)
            )
        }
        configuration.minimumTLSVersion = .tlsv13
        return try NIOSSLContext(configuration: configuration)
    }
}
