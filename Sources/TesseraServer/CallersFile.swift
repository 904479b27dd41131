import Foundation

/// The callers file: the JSON document that lists who may call the server and what they may call.
///
/// ```json
/// {
///   "callers": [
///     {
///       "id": "auth-service",
///       "credential_sha256": "9f86d08188…(64 hex digits)",
///       "allow": ["tessera.v1.Passwords/*", "tessera.v1.Health/Check"],
///       "certificate_subject": "auth-service.internal",
///       "rate_limit": { "per_second": 200, "burst": 400 }
///     }
///   ]
/// }
/// ```
///
/// Only the SHA-256 of each caller token is stored, never the token. See `docs/server.md`.
public struct CallersFile: Codable, Sendable, Hashable {
    /// One caller entry.
    public struct Entry: Codable, Sendable, Hashable {
        /// The caller's name, used in logs and metrics; unique in the file.
        public var id: String
        /// The SHA-256 of the caller's `tsc_` token, 64 hex digits; `nil` for a caller identified only by its
        /// client certificate.
        public var credentialSHA256: String?
        /// The methods the caller may call: exact names, `tessera.v1.<Service>/*`, or `*`.
        public var allow: [String]
        /// The subject common name of the caller's client certificate (mutual TLS), if it may authenticate so.
        public var certificateSubject: String?
        /// The caller's rate limit, or `nil` for none.
        public var rateLimit: RateLimit?

        /// A token bucket: `perSecond` calls refill per second, up to `burst` at once.
        public struct RateLimit: Codable, Sendable, Hashable {
            /// Tokens added per second.
            public var perSecond: Double
            /// The bucket's capacity.
            public var burst: Double

            /// Creates a rate limit.
            ///
            /// - Parameters:
            ///   - perSecond: Calls allowed per second on average.
            ///   - burst: Calls allowed at once.
            public init(perSecond: Double, burst: Double) {
                self.perSecond = perSecond
                self.burst = burst
            }

            enum CodingKeys: String, CodingKey {
                case perSecond = "per_second"
                case burst
            }
        }

        /// Creates an entry.
        ///
        /// - Parameters:
        ///   - id: The caller's name.
        ///   - credentialSHA256: The hex SHA-256 of its token.
        ///   - allow: The methods it may call.
        ///   - certificateSubject: Its client certificate's subject common name.
        ///   - rateLimit: Its rate limit.
        public init(
            id: String,
            credentialSHA256: String?,
            allow: [String],
            certificateSubject: String? = nil,
            rateLimit: RateLimit? = nil
        ) {
            self.id = id
            self.credentialSHA256 = credentialSHA256
            self.allow = allow
            self.certificateSubject = certificateSubject
            self.rateLimit = rateLimit
        }

        enum CodingKeys: String, CodingKey {
            case id
            case credentialSHA256 = "credential_sha256"
            case allow
            case certificateSubject = "certificate_subject"
            case rateLimit = "rate_limit"
        }
    }

    /// The callers, in file order.
    public var callers: [Entry]

    /// Creates a callers file.
    ///
    /// - Parameter callers: The entries.
    public init(callers: [Entry] = []) {
        self.callers = callers
    }

    /// Reads and decodes a callers file.
    ///
    /// - Parameter path: The file's path.
    /// - Returns: The decoded file (not yet validated; ``CallerRegistry`` validates it).
    /// - Throws: A file-system error, or `DecodingError` for JSON that does not match the format.
    public static func load(from path: String) throws -> CallersFile {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try JSONDecoder().decode(CallersFile.self, from: data)
    }

    /// Encodes the file as pretty-printed JSON with sorted keys.
    ///
    /// - Returns: The JSON bytes, newline-terminated.
    /// - Throws: `EncodingError` (not expected for these types).
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self) + Data("\n".utf8)
    }

    /// Writes the file atomically with permissions 0600 (owner read/write only).
    ///
    /// - Parameter path: The file's path.
    /// - Throws: A file-system error.
    public func write(to path: String) throws {
        let url = URL(fileURLWithPath: path)
        try encoded().write(to: url, options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
    }
}
