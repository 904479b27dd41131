import Foundation
import TesseraCrypto

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

    /// The largest callers file read (4 MiB).
    public static let maxFileBytes = 4 << 20

    /// Reads and decodes a callers file, refusing one that another local user could have changed.
    ///
    /// The file decides who may call what, so it is held to ``ProtectedFile/Permissions/ownerWritable``: not
    /// writable by group or others, and owned by the process's effective user (the same check, in the same place,
    /// as the root key file's).
    ///
    /// - Parameter path: The file's path.
    /// - Returns: The decoded file (not yet validated; ``CallerRegistry`` validates it).
    /// - Throws: ``CallerRegistryError`` when the file cannot be read or its mode or owner is refused, or
    ///   `DecodingError` for JSON that does not match the format.
    public static func load(from path: String) throws -> CallersFile {
        let data: Data
        do {
            data = try ProtectedFile.read(path, describedAs: "callers file", maxBytes: maxFileBytes) { file, bytes in
                try file.require(.ownerWritable)
                return Data(bytes)
            }
        } catch let error as CryptoError {
            throw CallerRegistryError(error.message)
        }
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

    /// Writes the file atomically with permissions 0600 (owner read/write only) from the moment it exists.
    ///
    /// - Parameter path: The file's path.
    /// - Throws: ``CallerRegistryError`` when the file cannot be written.
    public func write(to path: String) throws {
        do {
            try ProtectedFile.writeOwnerOnly(Array(encoded()), to: path, describedAs: "callers file")
        } catch let error as CryptoError {
            throw CallerRegistryError(error.message)
        }
    }
}
