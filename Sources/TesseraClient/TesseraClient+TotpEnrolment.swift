extension TesseraClient {
    /// A new TOTP secret from ``TesseraClient/generateTotp(issuer:account:context:algorithm:digits:periodSeconds:timeout:)``.
    ///
    /// Show ``secretBase32``, ``otpauthURI`` or ``qrPNG`` to the user once; store only ``sealedSecret``. The
    /// description shows none of the secret.
    public struct TotpEnrolment: Sendable, CustomStringConvertible {
        /// The secret in base32, for typing in by hand. Do not store it.
        public let secretBase32: String
        /// The `otpauth://` key URI, which contains the secret. Do not store it.
        public let otpauthURI: String
        /// A PNG image of a QR code of ``otpauthURI``. Do not store it.
        public let qrPNG: [UInt8]
        /// The secret sealed with the request's context: what to store and give to `verifyTotp`.
        public let sealedSecret: [UInt8]

        /// Creates an enrolment.
        ///
        /// - Parameters:
        ///   - secretBase32: The secret in base32.
        ///   - otpauthURI: The key URI.
        ///   - qrPNG: The QR code image.
        ///   - sealedSecret: The sealed secret.
        public init(secretBase32: String, otpauthURI: String, qrPNG: [UInt8], sealedSecret: [UInt8]) {
            self.secretBase32 = secretBase32
            self.otpauthURI = otpauthURI
            self.qrPNG = qrPNG
            self.sealedSecret = sealedSecret
        }

        /// A summary without the secret.
        public var description: String {
            "TotpEnrolment(secret redacted, qrPNG: \(self.qrPNG.count) bytes, sealedSecret: \(self.sealedSecret.count) bytes)"
        }
    }
}
