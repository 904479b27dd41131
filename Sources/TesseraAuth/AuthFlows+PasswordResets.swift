import Foundation
import TesseraAudit
import TesseraCrypto
import TesseraStore

/// How a reset reaches the end user.
public enum PasswordResetDelivery: Sendable, Hashable {
    /// A link carrying a long opaque token (`tsp_…`, 256 bits); lives an hour by default.
    case link
    /// A short numeric code of 6-8 digits the end user types; lives 15 minutes by default and accepts a few
    /// wrong attempts (5 by default) before it is invalidated.
    case code(digits: Int)
}

/// A reset to deliver to the end user: the secret (shown once) and its expiry.
public struct PasswordResetTicket: Sendable, CustomStringConvertible {
    /// The link token (`tsp_…`) or the numeric code. A secret: deliver it, never log it.
    public let secret: String
    /// How it is delivered.
    public let delivery: PasswordResetDelivery
    /// When it stops being usable.
    public let expiresAt: Date

    /// Redacted.
    public var description: String { "PasswordResetTicket(redacted, expires \(expiresAt))" }
}

/// What `requestPasswordReset` did. Both answers take the same time; the caller must show the end user the same
/// message for both ("if an account exists, we sent instructions").
public enum PasswordResetRequestResult: Sendable {
    /// The address has an account: deliver this. The user's earlier resets no longer work.
    case issued(PasswordResetTicket)
    /// No (enabled) account has the address: nothing to deliver.
    case noAccount
}

/// Why a reset token or code was not accepted. None says which user it was for.
public enum ResetRefusal: String, Sendable, Hashable {
    /// No reset has this token.
    case unknown
    /// It has expired.
    case expired
    /// It was already used.
    case used
    /// A newer request for the same account replaced it.
    case superseded
    /// The code is wrong, expired, used up or was never issued (codes are not told apart, so a code cannot be
    /// used to learn whether an address has an account or a pending reset).
    case invalidCode = "invalid_code"
}

/// What consuming a reset did.
public enum PasswordResetOutcome: Sendable, Hashable {
    /// The password was set; every session of the user was revoked (how many) and the lockout cleared.
    case reset(userID: UUID, revokedSessions: Int)
    /// The token or code was refused; nothing changed.
    case refused(ResetRefusal)
    /// The new password breaks a rule; the token is still usable.
    case passwordRefused(PasswordRefusal)
}

extension AuthFlows {
    /// Issues a password reset for the account with this address, if there is one, in the same time either way.
    ///
    /// The same work runs for an address with an account and one without: the user lookup, one reset-request
    /// statement that counts and logs the request under a keyed hash of the address (so the per-account limit
    /// applies alike), invalidates earlier resets and stores the new one, and one audit entry.
    /// - Parameters:
    ///   - email: The address the end user typed.
    ///   - delivery: A link token or a numeric code.
    ///   - clientAddress: The end user's IP address (the per-address limit).
    /// - Throws: ``AuthError/Code/invalidArgument`` (a malformed email, digits outside 6-8),
    ///   ``AuthError/Code/resourceExhausted`` (the address's or the client's limit, alike for unknown addresses).
    public func requestPasswordReset(
        email rawEmail: String,
        delivery: PasswordResetDelivery = .link,
        clientAddress: String = ""
    ) async throws -> PasswordResetRequestResult {
        let email = try AuthInput.email(rawEmail)
        if case .code(let digits) = delivery, !(6...8).contains(digits) {
            throw AuthError(.invalidArgument, "a reset code has 6-8 digits")
        }
        guard resetLimiter.admit(clientAddress, at: clock.now) else {
            throw AuthError(.resourceExhausted, "too many reset requests from this address; retry later")
        }
        let found = try await store.user(email: email)
        let account = found.flatMap { $0.disabledAt == nil ? $0 : nil }
        let now = clock.now
        let resets = policy.resets
        let id = UUID()
        let secret: String
        let digest: [UInt8]
        let kind: PasswordResetKind
        let lifetime: Duration
        switch delivery {
        case .link:
            let token = OpaqueToken.generate(.passwordReset)
            (secret, digest, kind, lifetime) = (token.reveal(), token.digest.rawBytes, .link, resets.linkLifetime)
        case .code(let digits):
            let code = NumericCode.generate(digits: digits)
            (secret, digest, kind, lifetime) = (
                code, Self.codeDigest(code, resetID: id, keys: keys), .code, resets.codeLifetime
            )
        }
        let expires = now.addingTimeInterval(DurationSeconds.of(lifetime))
        let reset = account.map {
            PasswordResetRecord(
                id: id, userID: $0.id, tokenHash: digest, expiresAt: expires, createdAt: now, kind: kind)
        }
        let request = PasswordResetRequest(
            subjectHash: KeyedDigest.of([email], key: keys.resetSubjects), reset: reset, now: now,
            window: PasswordResetPolicy.requestWindow, limit: resets.requestsPerAccountPerHour
        )
        let recorded = try await store.transaction { tx in
            let outcome = try await tx.requestPasswordReset(request)
            try await record("password-reset.requested", entity: "user", actor: account?.id, at: now, in: tx) {
                $0.set(AuditName("kind"), identifier: try AuditName(validating: kind.rawValue))
                $0.set(AuditName("account"), flag: account != nil)
                $0.set(AuditName("limited"), flag: outcome == .limited)
                if let reset { $0.set(AuditName("reset_id"), id: reset.id) }
            }
            return outcome
        }
        guard recorded == .recorded else {
            throw AuthError(.resourceExhausted, "too many reset requests for this address; retry later")
        }
        guard reset != nil else { return .noAccount }
        return .issued(PasswordResetTicket(secret: secret, delivery: delivery, expiresAt: expires))
    }

    /// Sets a new password with a reset link token: in one transaction the token is used (exactly once, even
    /// under concurrency), the new hash stored, every session revoked, the lockout cleared, the audit appended.
    /// - Parameters:
    ///   - token: The link token (`tsp_…`), checked for its prefix and checksum before any database read.
    ///   - newPassword: The new password, checked against ``PasswordRules`` before the token is used.
    /// - Throws: ``AuthError/Code/invalidArgument`` for a malformed token or password.
    public func resetPassword(token rawToken: String, newPassword: String) async throws -> PasswordResetOutcome {
        let token = try AuthInput.token(rawToken, .passwordReset, field: "reset token")
        try AuthInput.password(newPassword, maxBytes: Int.max, field: "new password")
        let hash = token.digest.rawBytes
        let now = clock.now
        guard let pending = try await store.passwordReset(tokenHash: hash), pending.kind == .link,
            let user = try await store.user(id: pending.userID)
        else {
            return try await refuseReset(.unknown, at: now)
        }
        guard pending.isLive(at: now) else {
            return try await refuseReset(Self.refusal(PasswordResetConsumption(refusing: pending)), at: now)
        }
        if let refusal = try policy.passwords.refusal(for: newPassword, email: user.email, maxBytes: maxPasswordBytes) {
            return .passwordRefused(refusal)
        }
        let newHash = try await hasher.hash(newPassword)
        return try await store.transaction { tx in
            let consumption = try await tx.consumePasswordReset(tokenHash: hash, now: clock.now)
            guard case .consumed(let reset) = consumption else {
                return try await refuseReset(Self.refusal(consumption), at: now, in: tx)
            }
            return try await completeReset(reset, hash: newHash, at: now, in: tx)
        }
    }

    /// Sets a new password with a numeric reset code. A wrong code counts against the code (invalidated after
    /// the policy's attempts, under the row lock, across replicas); an address without an account, or without a
    /// live code, gets the same answer as a wrong code after the same work.
    /// - Parameters:
    ///   - email: The account's address.
    ///   - code: The code (6-8 digits).
    ///   - newPassword: The new password.
    /// - Throws: ``AuthError/Code/invalidArgument`` for a malformed email, code or password.
    public func resetPassword(email rawEmail: String, code: String, newPassword: String) async throws
        -> PasswordResetOutcome
    {
        let email = try AuthInput.email(rawEmail)
        guard (6...8).contains(code.utf8.count), code.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
            throw AuthError(.invalidArgument, "a reset code is 6-8 digits")
        }
        try AuthInput.password(newPassword, maxBytes: Int.max, field: "new password")
        if let refusal = try policy.passwords.refusal(for: newPassword, email: email, maxBytes: maxPasswordBytes) {
            return .passwordRefused(refusal)
        }
        // An unknown address looks up a random user id: the same statements, no row.
        let userID = try await store.user(email: email)?.id ?? UUID()
        let now = clock.now
        // First check the code under the lock (counting a wrong one), then hash, then use it.
        let matched: UUID? = try await store.transaction { tx in
            guard var live = try await tx.livePasswordResetForUpdate(userID: userID, kind: .code, now: now) else {
                try await refuseReset(.invalidCode, at: now, in: tx)
                return nil
            }
            guard ConstantTime.equals(live.tokenHash, Self.codeDigest(code, resetID: live.id, keys: keys)) else {
                live.failedAttempts += 1
                if live.failedAttempts >= policy.resets.maxCodeAttempts { live.invalidatedAt = now }
                try await tx.updatePasswordReset(live)
                try await refuseReset(.invalidCode, at: now, in: tx) {
                    $0.set(AuditName("reset_id"), id: live.id)
                    $0.set(AuditName("failures"), count: Int64(live.failedAttempts))
                    $0.set(AuditName("invalidated"), flag: live.invalidatedAt != nil)
                }
                return nil
            }
            return live.id
        }
        guard let matched else { return .refused(.invalidCode) }
        let newHash = try await hasher.hash(newPassword)
        return try await store.transaction { tx in
            guard var live = try await tx.livePasswordResetForUpdate(userID: userID, kind: .code, now: clock.now),
                live.id == matched
            else {
                return try await refuseReset(.invalidCode, at: now, in: tx)
            }
            live.used = true
            try await tx.updatePasswordReset(live)
            return try await completeReset(live, hash: newHash, at: now, in: tx)
        }
    }

    /// The common end of a reset, inside its transaction: the new hash, lockout cleared, sessions revoked, audit.
    func completeReset(
        _ reset: PasswordResetRecord,
        hash: String,
        at now: Date,
        in tx: any TesseraStore
    ) async throws -> PasswordResetOutcome {
        guard var row = try await tx.userForUpdate(id: reset.userID) else {
            return try await refuseReset(.unknown, at: now, in: tx)
        }
        row.passwordHash = hash
        row = policy.lockout.cleared(row, at: now)
        try await tx.updateUser(row)
        let revoked = try await revokeSessions(of: row.id, except: nil, at: now, in: tx)
        try await record("password-reset.completed", entity: "user", actor: row.id, at: now, in: tx) {
            $0.set(AuditName("reset_id"), id: reset.id)
            $0.set(AuditName("kind"), identifier: try AuditName(validating: reset.kind.rawValue))
            $0.set(AuditName("revoked_sessions"), count: Int64(revoked))
        }
        return .reset(userID: row.id, revokedSessions: revoked)
    }

    /// Records a refused reset in a transaction of its own.
    func refuseReset(_ refusal: ResetRefusal, at now: Date) async throws -> PasswordResetOutcome {
        try await store.transaction { tx in try await refuseReset(refusal, at: now, in: tx) }
    }

    /// Records a refused reset inside `tx`.
    @discardableResult
    func refuseReset(
        _ refusal: ResetRefusal,
        at now: Date,
        in tx: any TesseraStore,
        _ fill: (inout AuditPayload) throws -> Void = { _ in }
    ) async throws -> PasswordResetOutcome {
        try await record("password-reset.refused", entity: "user", actor: nil, at: now, in: tx) {
            $0.set(AuditName("reason"), identifier: try AuditName(validating: refusal.rawValue))
            try fill(&$0)
        }
        return .refused(refusal)
    }

    /// The stored form of a numeric code: HMAC under the reset-code key over the reset's id and the code, so equal
    /// codes of two resets differ and a stolen table cannot be brute-forced without the key.
    static func codeDigest(_ code: String, resetID: UUID, keys: AuthKeys) -> [UInt8] {
        KeyedDigest.of([resetID.uuidString.lowercased(), code], key: keys.resetCodes)
    }

    /// The refusal for a consumption that did not happen.
    static func refusal(_ consumption: PasswordResetConsumption) -> ResetRefusal {
        switch consumption {
        case .consumed, .notFound: .unknown
        case .alreadyUsed: .used
        case .invalidated: .superseded
        case .expired: .expired
        }
    }
}

/// Uniform random decimal codes.
enum NumericCode {
    /// `digits` random decimal digits (leading zeros kept), without modulo bias: 32-bit draws at or above the
    /// largest multiple of 10^digits are rejected.
    static func generate(digits: Int) -> String {
        let modulus = (0..<digits).reduce(UInt64(1)) { value, _ in value * 10 }
        let limit = (UInt64(1) << 32) / modulus * modulus
        while true {
            let bytes = SecureRandom.bytes(count: 4)
            let draw = bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard draw < limit else { continue }
            let value = String(draw % modulus)
            return String(repeating: "0", count: digits - value.count) + value
        }
    }
}
