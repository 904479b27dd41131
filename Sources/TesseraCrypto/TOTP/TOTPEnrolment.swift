/// Everything a user needs to add a new TOTP credential to an authenticator app: a fresh secret, its
/// `otpauth://` URI and that URI as a QR code PNG.
///
/// All three reveal the secret. The server seals ``secret`` (its ``TOTPSecret/bytes``) for storage, returns the
/// URI and PNG to the user once, and keeps the credential unconfirmed until the user proves possession with a
/// first valid code. `description`, `debugDescription` and reflection (`dump`) show no secret: the PNG is a
/// picture of the secret, so only its length is shown.
public struct TOTPEnrolment: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The new shared secret.
    public let secret: TOTPSecret
    /// The enrolment URI.
    public let uri: OTPAuthURI
    /// The URI as a scannable QR code, PNG-encoded.
    public let qrPNG: [UInt8]

    /// Generates a new secret (as long as the algorithm's output) and its enrolment URI and QR code.
    ///
    /// - Parameters:
    ///   - issuer: The service name shown in the app.
    ///   - account: The user's account name.
    ///   - parameters: The credential's parameters; SHA-1, 6 digits, 30 s by default.
    ///   - scale: The QR module size in pixels.
    /// - Throws: ``CryptoError/Code/invalidParameter`` for an invalid issuer, account or scale;
    ///   ``CryptoError/Code/encodingFailure`` when the URI does not fit in a QR code.
    public init(issuer: String, account: String, parameters: TOTPParameters = .default, scale: Int = 8) throws {
        try self.init(
            secret: .generate(for: parameters.algorithm),
            issuer: issuer,
            account: account,
            parameters: parameters,
            scale: scale
        )
    }

    /// Builds the enrolment material for an existing secret (e.g. to show the QR code again before confirmation).
    ///
    /// - Parameters:
    ///   - secret: The shared secret.
    ///   - issuer: The service name shown in the app.
    ///   - account: The user's account name.
    ///   - parameters: The credential's parameters.
    ///   - scale: The QR module size in pixels.
    /// - Throws: As ``init(issuer:account:parameters:scale:)``.
    public init(
        secret: TOTPSecret,
        issuer: String,
        account: String,
        parameters: TOTPParameters = .default,
        scale: Int = 8
    ) throws {
        let uri = try OTPAuthURI(secret: secret, issuer: issuer, account: account, parameters: parameters)
        self.secret = secret
        self.uri = uri
        self.qrPNG = try QRCode.png(for: uri.revealString(), scale: scale)
    }

    /// The redacted URI only.
    public var description: String { "TOTPEnrolment(\(uri))" }

    /// The redacted URI only.
    public var debugDescription: String { description }

    /// Hides the QR code's bytes (which encode the secret) from `dump` and debuggers that walk mirrors.
    public var customMirror: Mirror {
        Mirror(self, children: ["uri": uri.description, "qrPNGByteCount": qrPNG.count], displayStyle: .struct)
    }
}
