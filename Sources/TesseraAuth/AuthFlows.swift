import Foundation
import TesseraAudit
import TesseraCrypto
import TesseraKeyring
import TesseraStore

/// The login flows: accounts, authentication with lockout and a second factor, TOTP enrolment and recovery
/// codes, sessions with refresh rotation.
///
/// Depends on the store (its unit of work), the hasher, the envelope cipher, the audit log, root-derived keys, a
/// clock and a policy — and on nothing of the transport. Every state change and its audit entry commit in one
/// transaction (``TesseraStore/TransactionStore/transaction(_:)``); slow work (Argon2) happens before the
/// transaction opens, so no row lock waits on a hash. Outcomes a login service acts on (wrong credentials, an
/// expired session) are values; ``AuthError`` is for requests that are malformed or not allowed.
public struct AuthFlows: Sendable {
    let store: any TesseraStore
    let hasher: PasswordHasher
    let cipher: EnvelopeCipher
    let audit: AuditLog
    let keys: AuthKeys
    let clock: AuthClock
    /// The settings.
    public let policy: AuthPolicy
    /// A hash of a random password under the current policy: an unknown email is verified against it, so it
    /// costs the same time as a wrong password.
    let dummyHash: String
    let limiter: AddressLimiter
    /// The per-address limit of password-reset requests.
    let resetLimiter: AddressLimiter

    /// Creates the flows; hashes the dummy password once (one Argon2 computation).
    /// - Parameters:
    ///   - store: The store.
    ///   - hasher: The password hasher (its policy decides rehashing).
    ///   - cipher: The envelope cipher (the keyring's) sealing TOTP secrets.
    ///   - audit: The audit log, over the same store.
    ///   - keys: Root-derived keys.
    ///   - policy: The settings; validated here.
    ///   - clock: The time source.
    /// - Throws: ``AuthError/Code/invalidArgument`` for a setting out of range; the hasher's error.
    public static func make(
        store: any TesseraStore,
        hasher: PasswordHasher,
        cipher: EnvelopeCipher,
        audit: AuditLog,
        keys: AuthKeys,
        policy: AuthPolicy = AuthPolicy(),
        clock: AuthClock = .system
    ) async throws -> AuthFlows {
        try policy.validate()
        let dummy = try await hasher.hash(OpaqueToken.generate(.caller).reveal())
        return AuthFlows(
            store: store, hasher: hasher, cipher: cipher, audit: audit, keys: keys, clock: clock, policy: policy,
            dummyHash: dummy, limiter: AddressLimiter(perMinute: policy.authenticationsPerAddressPerMinute),
            resetLimiter: AddressLimiter(perMinute: policy.resets.requestsPerAddressPerMinute)
        )
    }

    /// The hasher's password byte limit.
    var maxPasswordBytes: Int { hasher.configuration.policy.maxPasswordBytes }

    /// Appends an event inside `tx`.
    func record(
        _ action: StaticString,
        entity: StaticString,
        actor: UUID?,
        at now: Date,
        in tx: any TesseraStore,
        _ fill: (inout AuditPayload) throws -> Void = { _ in }
    ) async throws {
        var payload = AuditPayload()
        try fill(&payload)
        try await audit.append(
            entity: AuditName(entity), action: AuditName(action), actorID: actor, payload: payload, at: now, in: tx
        )
    }
}

/// How strongly a session's sign-in was authenticated (NIST SP 800-63B authenticator assurance levels).
public enum AssuranceLevel: String, Sendable, Hashable {
    /// A password alone.
    case aal1
    /// A password and a second factor (TOTP or a recovery code).
    case aal2
}

/// A session handed to a login service: the refresh token (shown once) and what it belongs to.
public struct IssuedSession: Sendable, CustomStringConvertible {
    /// The refresh token to give the end user's client.
    public let refreshToken: OpaqueToken
    /// The session's id: stable across refreshes (the family's id).
    public let sessionID: UUID
    /// The user.
    public let userID: UUID
    /// The user's role, as of this call.
    public let role: UserRole
    /// How the sign-in was authenticated.
    public let assurance: AssuranceLevel
    /// When this refresh token expires (the idle timeout, capped by the absolute lifetime).
    public let expiresAt: Date
    /// When the session ends whatever its refreshes.
    public let sessionExpiresAt: Date?

    /// Redacted.
    public var description: String { "IssuedSession(\(sessionID), user \(userID), \(assurance.rawValue))" }
}
