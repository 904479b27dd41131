import TesseraCrypto
import TesseraWire

/// An authenticated caller: who it is and which methods it may call.
public struct Caller: Sendable, Hashable, CustomStringConvertible {
    /// The caller's name from the callers file; safe to log.
    public let id: String
    /// The SHA-256 of its token, or `nil` when it authenticates only by client certificate.
    public let credentialDigest: TokenDigest?
    /// The methods it may call.
    public let permissions: [MethodPermission]
    /// The subject common name of its client certificate, if it has one: alone it identifies the caller when it
    /// has no credential; with a credential, both are required.
    public let certificateSubject: String?
    /// Its rate limit, or `nil`.
    public let rateLimit: CallersFile.Entry.RateLimit?

    /// Validates one entry of a callers file.
    ///
    /// - Parameter entry: The entry.
    /// - Throws: ``CallerRegistryError`` when the digest is not 64 hex digits, an `allow` pattern is malformed,
    ///   the rate limit is not positive, the certificate subject is empty, or the caller has neither a credential
    ///   nor a certificate subject.
    public init(_ entry: CallersFile.Entry) throws {
        guard !entry.id.isEmpty else {
            throw CallerRegistryError("a caller has an empty id")
        }
        self.id = entry.id
        if let hex = entry.credentialSHA256 {
            do {
                self.credentialDigest = try TokenDigest(hex: hex)
            } catch {
                throw CallerRegistryError("caller \(entry.id): credential_sha256 must be 64 hex digits")
            }
        } else {
            self.credentialDigest = nil
        }
        var permissions: [MethodPermission] = []
        for pattern in entry.allow {
            guard let permission = MethodPermission(pattern) else {
                throw CallerRegistryError(
                    "caller \(entry.id): allow entry '\(pattern)' is not '*', 'Service/*' or 'Service/Method'"
                )
            }
            permissions.append(permission)
        }
        self.permissions = permissions
        if let subject = entry.certificateSubject, subject.isEmpty {
            throw CallerRegistryError("caller \(entry.id): certificate_subject must not be empty")
        }
        self.certificateSubject = entry.certificateSubject
        if let limit = entry.rateLimit {
            guard limit.perSecond > 0, limit.burst >= 1, limit.perSecond.isFinite, limit.burst.isFinite else {
                throw CallerRegistryError("caller \(entry.id): rate_limit needs per_second > 0 and burst >= 1")
            }
        }
        self.rateLimit = entry.rateLimit
        guard credentialDigest != nil || certificateSubject != nil else {
            throw CallerRegistryError("caller \(entry.id) has neither credential_sha256 nor certificate_subject")
        }
    }

    /// Whether the caller may call the method.
    ///
    /// - Parameter method: A method of the ``MethodCatalog``.
    /// - Returns: `true` when one of its `allow` entries covers the method.
    public func isAllowed(_ method: MethodDescriptor) -> Bool {
        permissions.contains { $0.allows(method) }
    }

    /// The id only.
    public var description: String { "Caller(\(id))" }
}
