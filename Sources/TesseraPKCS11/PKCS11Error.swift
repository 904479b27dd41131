/// A failure of the PKCS#11 root key: a code, a one-line message naming the module, token or key label (never the
/// PIN), and the PKCS#11 return value's name when there is one.
public struct PKCS11Error: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case moduleNotLoaded, tokenNotFound, wrongPIN, pinMissing, keyNotFound, keyAmbiguous, keyExists
            case keyExtractable, deviceFailure
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The module could not be loaded (no such file, not a PKCS#11 module, initialisation failed).
        public static let moduleNotLoaded = Code(.moduleNotLoaded)
        /// No token has the configured label.
        public static let tokenNotFound = Code(.tokenNotFound)
        /// The token refused the PIN (incorrect, or the PIN is locked).
        public static let wrongPIN = Code(.wrongPIN)
        /// No PIN was configured (no PIN file, no PIN variable), or it is empty.
        public static let pinMissing = Code(.pinMissing)
        /// No secret key has the configured label on the token.
        public static let keyNotFound = Code(.keyNotFound)
        /// More than one secret key has the label.
        public static let keyAmbiguous = Code(.keyAmbiguous)
        /// A key with the label exists already (generation refused).
        public static let keyExists = Code(.keyExists)
        /// The key could leave the token (CKA_EXTRACTABLE true or CKA_SENSITIVE false): refused as a root key.
        public static let keyExtractable = Code(.keyExtractable)
        /// Another PKCS#11 failure.
        public static let deviceFailure = Code(.deviceFailure)

        /// The code's name.
        public var description: String { base.rawValue }
    }

    /// The kind of failure.
    public let code: Code
    /// A one-line explanation without secrets.
    public let message: String

    /// Creates an error.
    /// - Parameters:
    ///   - code: The kind.
    ///   - message: A short explanation without secrets.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// Errors are equal by code.
    public static func == (lhs: PKCS11Error, rhs: PKCS11Error) -> Bool { lhs.code == rhs.code }

    /// Hashes the code only.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }

    /// The name of a PKCS#11 return value, for messages (`CKR_PIN_INCORRECT`, or the number in hex).
    static func name(of rv: UInt) -> String {
        let names: [UInt: String] = [
            0x0: "CKR_OK", 0x5: "CKR_GENERAL_ERROR", 0x6: "CKR_FUNCTION_FAILED", 0x7: "CKR_ARGUMENTS_BAD",
            0x11: "CKR_ATTRIBUTE_SENSITIVE", 0x12: "CKR_ATTRIBUTE_TYPE_INVALID", 0x40: "CKR_ENCRYPTED_DATA_INVALID",
            0x41: "CKR_ENCRYPTED_DATA_LEN_RANGE", 0x60: "CKR_KEY_HANDLE_INVALID",
            0x68: "CKR_KEY_FUNCTION_NOT_PERMITTED",
            0x70: "CKR_MECHANISM_INVALID", 0x71: "CKR_MECHANISM_PARAM_INVALID", 0xA0: "CKR_PIN_INCORRECT",
            0xA4: "CKR_PIN_LOCKED", 0xE0: "CKR_TOKEN_NOT_PRESENT", 0x101: "CKR_USER_NOT_LOGGED_IN",
            0x150: "CKR_BUFFER_TOO_SMALL", 0x190: "CKR_CRYPTOKI_NOT_INITIALIZED",
        ]
        return names[rv] ?? "CKR_0x" + String(rv, radix: 16)
    }
}
