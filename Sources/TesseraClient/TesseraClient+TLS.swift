import NIOSSL

extension TesseraClient {
    /// Whether and how the client speaks TLS 1.3 to the server.
    ///
    /// Use the static factories: ``disabled`` (plain TCP, the default), ``enabled(trustRootsFile:serverHostname:)``
    /// (verify the server's certificate) and ``mutual(certificateChainFile:privateKeyFile:trustRootsFile:serverHostname:)``
    /// (also present a client certificate, for servers that identify callers by certificate). The server's
    /// certificate is always verified, against the given roots or the system's; there is no option to skip it.
    public struct TLS: Sendable, Hashable {
        /// The PEM file of the certificate authorities to trust, or `nil` for the system's roots.
        public let trustRootsFile: String?
        /// The PEM file of the client's certificate chain, leaf first, for mutual TLS.
        public let certificateChainFile: String?
        /// The PEM file of the client certificate's private key, for mutual TLS.
        public let privateKeyFile: String?
        /// The name checked against the server's certificate and sent as SNI. `nil` uses the configured host; when
        /// that host is an IP address it is checked against the certificate's IP addresses and no SNI is sent.
        public let serverHostname: String?
        /// Whether TLS is used at all.
        public let isEnabled: Bool

        private init(
            isEnabled: Bool,
            trustRootsFile: String?,
            certificateChainFile: String?,
            privateKeyFile: String?,
            serverHostname: String?
        ) {
            self.isEnabled = isEnabled
            self.trustRootsFile = trustRootsFile
            self.certificateChainFile = certificateChainFile
            self.privateKeyFile = privateKeyFile
            self.serverHostname = serverHostname
        }

        /// Plain TCP, no TLS.
        public static let disabled = TLS(
            isEnabled: false, trustRootsFile: nil, certificateChainFile: nil, privateKeyFile: nil, serverHostname: nil
        )

        /// TLS 1.3, verifying the server's certificate.
        ///
        /// - Parameters:
        ///   - trustRootsFile: A PEM file of the certificate authorities to trust; `nil` for the system's roots.
        ///   - serverHostname: The name to verify and send as SNI; `nil` for the configured host.
        /// - Returns: The TLS mode.
        public static func enabled(trustRootsFile: String? = nil, serverHostname: String? = nil) -> TLS {
            TLS(
                isEnabled: true, trustRootsFile: trustRootsFile, certificateChainFile: nil, privateKeyFile: nil,
                serverHostname: serverHostname
            )
        }

        /// Mutual TLS 1.3: verify the server's certificate and present the client's own.
        ///
        /// - Parameters:
        ///   - certificateChainFile: A PEM file of the client's certificate chain, leaf first.
        ///   - privateKeyFile: A PEM file of the certificate's private key.
        ///   - trustRootsFile: A PEM file of the certificate authorities to trust; `nil` for the system's roots.
        ///   - serverHostname: The name to verify and send as SNI; `nil` for the configured host.
        /// - Returns: The TLS mode.
        public static func mutual(
            certificateChainFile: String,
            privateKeyFile: String,
            trustRootsFile: String? = nil,
            serverHostname: String? = nil
        ) -> TLS {
            TLS(
                isEnabled: true, trustRootsFile: trustRootsFile, certificateChainFile: certificateChainFile,
                privateKeyFile: privateKeyFile, serverHostname: serverHostname
            )
        }

        /// Builds the NIOSSL context once, for every connection of a client; `nil` when TLS is disabled.
        func makeContext() throws(TesseraClientError) -> NIOSSLContext? {
            guard self.isEnabled else {
                return nil
            }
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.minimumTLSVersion = .tlsv13
            configuration.certificateVerification = .fullVerification
            if let trustRootsFile = self.trustRootsFile {
                configuration.trustRoots = .file(trustRootsFile)
            }
            do {
                if let chain = self.certificateChainFile {
                    configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(chain).map { .certificate($0) }
                }
                if let key = self.privateKeyFile {
                    configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
                }
                return try NIOSSLContext(configuration: configuration)
            } catch {
                // NIOSSL's errors name files and BoringSSL reasons, never key material.
                throw TesseraClientError(.invalidConfiguration, "cannot set up TLS: \(error)")
            }
        }
    }
}
