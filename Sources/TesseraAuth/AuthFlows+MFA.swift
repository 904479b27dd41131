import Foundation
import TesseraAudit
import TesseraCrypto
import TesseraKeyring
import TesseraStore

/// What `completeMfa` decided.
public enum MFAOutcome: Sendable {
    /// Signed in at AAL2.
    case session(IssuedSession)
    /// The code was wrong (counted towards the lockout and the challenge's attempts); how many attempts are left
    /// on this challenge (0: it is used up, sign in again).
    case invalidCode(attemptsLeft: Int)
    /// The challenge is unknown, expired, used up, or its account is locked or disabled: sign in again.
    case invalidChallenge
}

/// A TOTP enrolment waiting for its confirmation: what the user's authenticator needs, shown once.
public struct TOTPEnrolmentStart: Sendable, CustomStringConvertible {
    /// The enrolment's material (secret, `otpauth://` URI, QR PNG).
    public let enrolment: TOTPEnrolment
    /// Pass back to `confirmTotpEnrolment`: the secret sealed to this user and expiry (the caller cannot open
    /// it, and nothing is stored until the confirmation).
    public let enrolmentToken: String
    /// When the enrolment token stops being accepted.
    public let expiresAt: Date

    /// Redacted.
    public var description: String { "TOTPEnrolmentStart(\(enrolment), expires \(expiresAt))" }
}

/// What a call that needs a current code decided.
public enum CodeCheckedOutcome<Value: Sendable>: Sendable {
    /// Done.
    case done(Value)
    /// The code was wrong (counted towards the lockout).
    case invalidCode
}

extension AuthFlows {
    // MARK: Second factor at sign-in

    /// Completes a sign-in with a TOTP code or a recovery code.
    /// - Parameters:
    ///   - challenge: The challenge token from `authenticate`.
    ///   - code: A 6-digit TOTP code or a recovery code.
    /// - Throws: ``AuthError/Code/invalidArgument`` for a malformed challenge or code (before any database read).
    public func completeMfa(challenge raw: String, code: String) async throws -> MFAOutcome {
        let token = try AuthInput.token(raw, .mfaChallenge, field: "challenge")
        let factor = try Self.factor(code)
        let now = clock.now
        return try await store.transaction { tx in
            guard var challenge = try await tx.mfaChallengeForUpdate(hash: token.digest.rawBytes) else {
                return .invalidChallenge
            }
            guard challenge.consumedAt == nil, challenge.expiresAt > now,
                challenge.failedAttempts < policy.mfa.maxChallengeAttempts
            else {
                try await record("auth.mfa-refused", entity: "user", actor: challenge.userID, at: now, in: tx) {
                    $0.set(AuditName("challenge_id"), id: challenge.id)
                    $0.set(AuditName("reason"), identifier: AuditName("challenge_spent"))
                }
                return .invalidChallenge
            }
            guard let user = try await tx.userForUpdate(id: challenge.userID), user.disabledAt == nil,
                !user.isLocked(at: now), user.sealedTOTPSecret != nil
            else {
                challenge.consumedAt = now
                try await tx.updateMFAChallenge(challenge)
                try await record("auth.mfa-refused", entity: "user", actor: challenge.userID, at: now, in: tx) {
                    $0.set(AuditName("challenge_id"), id: challenge.id)
                    $0.set(AuditName("reason"), identifier: AuditName("account_unavailable"))
                }
                return .invalidChallenge
            }
            guard try await accept(factor, for: user, at: now, in: tx) else {
                challenge.failedAttempts += 1
                let (next, locked) = policy.lockout.afterFailure(user, at: now)
                if locked != nil { challenge.consumedAt = now }
                try await tx.updateMFAChallenge(challenge)
                try await tx.updateUser(next)
                try await recordFailure(next, reason: "wrong_second_factor", locked: locked, at: now, in: tx)
                let left = locked != nil ? 0 : policy.mfa.maxChallengeAttempts - challenge.failedAttempts
                return .invalidCode(attemptsLeft: max(0, left))
            }
            challenge.consumedAt = now
            try await tx.updateMFAChallenge(challenge)
            let row = policy.lockout.afterSuccess(user, at: now)
            try await tx.updateUser(row)
            let session = try await issueSession(
                for: row, device: challenge.deviceInfo, assurance: .aal2, at: now, in: tx
            )
            try await record("auth.succeeded", entity: "user", actor: row.id, at: now, in: tx) {
                $0.set(AuditName("session_id"), id: session.sessionID)
                $0.set(AuditName("assurance"), identifier: AuditName("aal2"))
                $0.set(AuditName("factor"), identifier: factor.auditName)
            }
            return .session(session)
        }
    }

    /// A typed second factor.
    enum Factor {
        case totp(String)
        case recovery(String)

        var auditName: AuditName {
            switch self {
            case .totp: AuditName("totp")
            case .recovery: AuditName("recovery_code")
            }
        }
    }

    /// The factor a typed code is, or invalidArgument.
    static func factor(_ code: String) throws -> Factor {
        if TOTP.isWellFormed(code) { return .totp(code) }
        if let canonical = RecoveryCodes.canonical(code) { return .recovery(canonical) }
        throw AuthError(.invalidArgument, "the code is neither a 6-digit TOTP code nor a recovery code")
    }

    /// Checks a factor for `user` inside `tx`, using it up: a TOTP time step is accepted once per user, a
    /// recovery code once.
    func accept(_ factor: Factor, for user: UserRecord, at now: Date, in tx: any TesseraStore) async throws -> Bool {
        switch factor {
        case .recovery(let canonical):
            let hash = RecoveryCodes.hash(canonical, userID: user.id, key: keys.recoveryCodes)
            return try await tx.consumeRecoveryCode(userID: user.id, codeHash: hash, now: now)
        case .totp(let code):
            guard let sealed = user.sealedTOTPSecret else { return false }
            let secret = try TOTPSecret(
                bytes: try cipher.open(serialized: sealed, context: try TOTPSecretContext.make(userID: user.id))
            )
            guard let match = try TOTP.verify(code: code, secret: secret, at: now, window: policy.mfa.totpWindow)
            else { return false }
            return try await tx.acceptTOTPStep(userID: user.id, step: Int64(match.timeStep))
        }
    }

    // MARK: Enrolment

    /// Starts a TOTP enrolment: a fresh secret for the user's authenticator. Nothing is stored until
    /// ``confirmTotpEnrolment(userID:enrolmentToken:code:)``.
    /// - Parameter userID: The user.
    /// - Throws: ``AuthError/Code/notFound``, ``AuthError/Code/failedPrecondition`` (already enrolled).
    public func beginTotpEnrolment(userID: UUID) async throws -> TOTPEnrolmentStart {
        guard let user = try await store.user(id: userID) else { throw AuthError(.notFound, "no such user") }
        guard user.sealedTOTPSecret == nil else {
            throw AuthError(.failedPrecondition, "TOTP is already enrolled; disable it first")
        }
        let enrolment = try TOTPEnrolment(issuer: policy.mfa.issuer, account: user.email)
        let expires = Date(
            timeIntervalSince1970: (clock.now.timeIntervalSince1970
                + DurationSeconds.of(policy.mfa.enrolmentLifetime)).rounded(.down)
        )
        let sealed = try cipher.seal(enrolment.secret.bytes, context: try Self.enrolmentContext(userID, expires))
        let token = "\(Int64(expires.timeIntervalSince1970)).\(Self.base64URL(sealed.serialized))"
        return TOTPEnrolmentStart(enrolment: enrolment, enrolmentToken: token, expiresAt: expires)
    }

    /// Confirms an enrolment with a current code from the authenticator: stores the secret sealed to the user,
    /// and returns 10 recovery codes, shown once.
    /// - Parameters:
    ///   - userID: The user.
    ///   - enrolmentToken: From ``beginTotpEnrolment(userID:)``.
    ///   - code: A current TOTP code.
    /// - Throws: ``AuthError/Code/invalidArgument`` (a malformed or foreign enrolment token or code),
    ///   ``AuthError/Code/failedPrecondition`` (expired, or already enrolled), ``AuthError/Code/notFound``.
    public func confirmTotpEnrolment(
        userID: UUID,
        enrolmentToken: String,
        code: String
    ) async throws -> CodeCheckedOutcome<[String]> {
        guard TOTP.isWellFormed(code) else { throw AuthError(.invalidArgument, "the code is not a 6-digit code") }
        let parts = enrolmentToken.split(separator: ".", maxSplits: 1)
        guard parts.count == 2, let seconds = Int64(parts[0]), let sealed = Self.fromBase64URL(String(parts[1])) else {
            throw AuthError(.invalidArgument, "the enrolment token is malformed")
        }
        let expires = Date(timeIntervalSince1970: TimeInterval(seconds))
        let now = clock.now
        guard expires > now else { throw AuthError(.failedPrecondition, "the enrolment expired; begin again") }
        let secret: TOTPSecret
        do {
            secret = try TOTPSecret(
                bytes: try cipher.open(serialized: sealed, context: try Self.enrolmentContext(userID, expires))
            )
        } catch {
            throw AuthError(.invalidArgument, "the enrolment token is not this user's")
        }
        guard let match = try TOTP.verify(code: code, secret: secret, at: now, window: policy.mfa.totpWindow) else {
            return .invalidCode
        }
        let stored = try cipher.seal(secret.bytes, context: try TOTPSecretContext.make(userID: userID)).serialized
        let codes = RecoveryCodes.generate()
        let hashes = RecoveryCodes.hashes(of: codes, userID: userID, key: keys.recoveryCodes)
        try await store.transaction { tx in
            guard var row = try await tx.userForUpdate(id: userID) else { throw AuthError(.notFound, "no such user") }
            guard row.sealedTOTPSecret == nil else {
                throw AuthError(.failedPrecondition, "TOTP is already enrolled; disable it first")
            }
            row.sealedTOTPSecret = stored
            row.updatedAt = now
            try await tx.updateUser(row)
            // The confirming code's step is used: it cannot sign in a second time.
            _ = try await tx.acceptTOTPStep(userID: userID, step: Int64(match.timeStep))
            try await tx.replaceRecoveryCodes(userID: userID, codeHashes: hashes, now: now)
            try await record("mfa.totp-enrolled", entity: "user", actor: userID, at: now, in: tx) {
                $0.set(AuditName("recovery_codes"), count: Int64(hashes.count))
            }
        }
        return .done(codes)
    }

    /// Turns TOTP off after a current TOTP or recovery code; removes the recovery codes.
    /// - Throws: ``AuthError/Code/notFound``, ``AuthError/Code/failedPrecondition`` (not enrolled),
    ///   ``AuthError/Code/invalidArgument`` (a malformed code).
    public func disableTotp(userID: UUID, code: String) async throws -> CodeCheckedOutcome<Void> {
        let factor = try Self.factor(code)
        return try await withCurrentFactor(factor, userID: userID) { row, now, tx in
            row.sealedTOTPSecret = nil
            try await tx.replaceRecoveryCodes(userID: userID, codeHashes: [], now: now)
            try await record("mfa.totp-disabled", entity: "user", actor: userID, at: now, in: tx) {
                $0.set(AuditName("factor"), identifier: factor.auditName)
            }
        }
    }

    /// Replaces the recovery codes after a current TOTP code; returns the new ones, shown once.
    public func regenerateRecoveryCodes(userID: UUID, code: String) async throws -> CodeCheckedOutcome<[String]> {
        let factor = try Self.factor(code)
        guard case .totp = factor else {
            throw AuthError(.invalidArgument, "a current TOTP code is needed (not a recovery code)")
        }
        let codes = RecoveryCodes.generate()
        let hashes = RecoveryCodes.hashes(of: codes, userID: userID, key: keys.recoveryCodes)
        let outcome = try await withCurrentFactor(factor, userID: userID) { _, now, tx in
            try await tx.replaceRecoveryCodes(userID: userID, codeHashes: hashes, now: now)
            try await record("mfa.recovery-codes-replaced", entity: "user", actor: userID, at: now, in: tx) {
                $0.set(AuditName("recovery_codes"), count: Int64(hashes.count))
            }
        }
        switch outcome {
        case .done: return .done(codes)
        case .invalidCode: return .invalidCode
        }
    }

    /// How many unused recovery codes a user has.
    public func recoveryCodesLeft(userID: UUID) async throws -> Int {
        guard try await store.user(id: userID) != nil else { throw AuthError(.notFound, "no such user") }
        return try await store.remainingRecoveryCodes(userID: userID)
    }

    /// Removes a user's TOTP and recovery codes without a code (an operator's reset, audited).
    /// - Parameters:
    ///   - userID: The user.
    ///   - actor: Who resets, if a user.
    public func resetMfa(userID: UUID, actor: UUID? = nil) async throws {
        let now = clock.now
        try await store.transaction { tx in
            guard var row = try await tx.userForUpdate(id: userID) else { throw AuthError(.notFound, "no such user") }
            row.sealedTOTPSecret = nil
            row.updatedAt = now
            try await tx.updateUser(row)
            try await tx.replaceRecoveryCodes(userID: userID, codeHashes: [], now: now)
            try await record("mfa.reset", entity: "user", actor: actor, at: now, in: tx) {
                $0.set(AuditName("user_id"), id: userID)
            }
        }
    }

    /// Checks a current factor of an enrolled user in one transaction, then applies `change` to the row (written
    /// afterwards); a wrong code counts towards the lockout and changes nothing else.
    func withCurrentFactor(
        _ factor: Factor,
        userID: UUID,
        _ change: @Sendable (inout UserRecord, Date, any TesseraStore) async throws -> Void
    ) async throws -> CodeCheckedOutcome<Void> {
        let now = clock.now
        return try await store.transaction { tx in
            guard var row = try await tx.userForUpdate(id: userID) else { throw AuthError(.notFound, "no such user") }
            guard row.sealedTOTPSecret != nil else { throw AuthError(.failedPrecondition, "TOTP is not enrolled") }
            guard !row.isLocked(at: now), row.disabledAt == nil, try await accept(factor, for: row, at: now, in: tx)
            else {
                let (next, locked) = policy.lockout.afterFailure(row, at: now)
                try await tx.updateUser(next)
                try await recordFailure(next, reason: "wrong_second_factor", locked: locked, at: now, in: tx)
                return .invalidCode
            }
            try await change(&row, now, tx)
            row.updatedAt = now
            try await tx.updateUser(row)
            return .done(())
        }
    }

    /// The context an enrolment token is sealed under: the user and the expiry, under the TOTP purpose (so it
    /// opens neither as a stored TOTP secret, whose context has no expiry, nor through `Secrets/Open`).
    static func enrolmentContext(_ userID: UUID, _ expires: Date) throws -> EncryptionContext {
        try EncryptionContext(
            entries: [
                ("user_id", userID.uuidString.lowercased()),
                ("enrolment_expires_at", String(Int64(expires.timeIntervalSince1970))),
            ],
            purpose: .totpSecret
        )
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func fromBase64URL(_ text: String) -> [UInt8]? {
        guard text.utf8.count <= 4096 else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.utf8.count % 4) % 4)
        return Data(base64Encoded: base64).map { Array($0) }
    }
}
