import TesseraServer
extension ServerSettings {
    /// Whether these settings run the server in production mode, the default.
    ///
    /// Development mode needs an explicit `development: true` (`--development`), or the older
    /// `production: false`. Production mode refuses the development root key, requires TLS unless
    /// `allow_plaintext` is set, and defaults PostgreSQL's `sslmode` to `verify-full`.
    ///
    /// - Returns: `true` for production mode.
    /// - Throws: ``ServerSettingsError`` when `production` and `development` are both true.
    public func isProductionMode() throws -> Bool {
        switch (production, development) {
        case (true, true):
            throw ServerSettingsError("production and development cannot both be true; choose one")
        case (_, true), (false, _):
            return false
        default:
            return true
        }
    }

    /// Refuses plaintext TCP in production mode unless `allow_plaintext` (`--allow-plaintext`) says it is meant
    /// (e.g. TLS ends at a sidecar on the same host).
    ///
    /// - Throws: ``ServerSettingsError`` in production mode without `tls_certificate_chain` and without
    ///   `allow_plaintext`.
    public func requireTransportSecurity() throws {
        guard try isProductionMode(), tlsCertificateChain == nil, allowPlaintext != true else { return }
        throw ServerSettingsError(
            "production mode needs TLS: give --tls-cert and --tls-key (tls_certificate_chain, tls_private_key), "
                + "or --allow-plaintext to serve plain TCP on purpose, or --development"
        )
    }
}
