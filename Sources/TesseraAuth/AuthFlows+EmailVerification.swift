import Foundation
import TesseraAudit
import TesseraCrypto
import TesseraStore

/// A verification token to deliver to the account's address.
public struct EmailVerificationTicket: Sendable, CustomStringConvertible {
    /// The token (`tsv_…`). A secret: deliver it, never log it.
    public let token: OpaqueToken
    /// When it stops being usable.
    public let expiresAt: Date

    /// Redacted.
    public var description: String { "EmailVerificationTicket(redacted, expires \(expiresAt))" }
}

/// Why a verification token was not accepted. None says which user it was for.
public enum EmailVerificationRefusal: String, Sendable, Hashable {
    /// No verification has this token.
    case unknown
    /// It has expired.
    case expired
    /// It was already used.
    case used
    /// The account's address changed since the token was issued (or the account is gone).
    case emailChanged = "email_changed"
}

/// What confirming a verification token did.
public enum EmailVerificationOutcome: Sendable, Hashable {
    /// The account's address is verified.
    case verified(userID: UUID)
    /// Refused; nothing changed.
    case refused(EmailVerificationRefusal)
}

extension AuthFlows {
    /// Issues a token proving control of the account's current address, for the caller to send to it.
    /// - Parameter userID: The account.
    /// - Throws: ``AuthError/Code/notFound``, ``AuthError/Code/failedPrecondition`` (already verified).
    public func requestEmailVerification(userID: UUID) async throws -> EmailVerificationTicket {
        guard let user = try await store.user(id: userID) else { throw AuthError(.notFound, "no such user") }
        guard !user.verified else { throw AuthError(.failedPrecondition, "the email address is already verified") }
        let token = OpaqueToken.generate(.emailVerification)
        let now = clock.now
        let stored = EmailVerificationRecord(
            userID: user.id, email: user.email, tokenHash: token.digest.rawBytes, createdAt: now,
            expiresAt: now.addingTimeInterval(DurationSeconds.of(policy.emailVerification.lifetime))
        )
        do {
            try await store.transaction { tx in
                try await tx.createEmailVerification(stored)
                try await record("email-verification.requested", entity: "user", actor: user.id, at: now, in: tx) {
                    $0.set(AuditName("verification_id"), id: stored.id)
                }
            }
        } catch let error as StoreError where error.code == .foreignKey {
            throw AuthError(.notFound, "no such user")
        }
        return EmailVerificationTicket(token: token, expiresAt: stored.expiresAt)
    }

    /// Confirms a verification token: used once, and the account verified while it still has the address the
    /// token was sent to.
    /// - Parameter token: The token (`tsv_…`), checked for its prefix and checksum before any database read.
    /// - Throws: ``AuthError/Code/invalidArgument`` for a malformed token.
    public func confirmEmail(token rawToken: String) async throws -> EmailVerificationOutcome {
        let token = try AuthInput.token(rawToken, .emailVerification, field: "verification token")
        let now = clock.now
        return try await store.transaction { tx in
            let refusal: EmailVerificationRefusal
            switch try await tx.consumeEmailVerification(tokenHash: token.digest.rawBytes, now: now) {
            case .consumed(let verification):
                guard var row = try await tx.userForUpdate(id: verification.userID), row.email == verification.email
                else {
                    refusal = .emailChanged
                    break
                }
                row.verified = true
                row.updatedAt = now
                try await tx.updateUser(row)
                try await record("email-verification.confirmed", entity: "user", actor: row.id, at: now, in: tx) {
                    $0.set(AuditName("verification_id"), id: verification.id)
                }
                return .verified(userID: row.id)
            case .alreadyUsed: refusal = .used
            case .expired: refusal = .expired
            case .notFound: refusal = .unknown
            }
            try await record("email-verification.refused", entity: "user", actor: nil, at: now, in: tx) {
                $0.set(AuditName("reason"), identifier: try AuditName(validating: refusal.rawValue))
            }
            return .refused(refusal)
        }
    }

    /// Marks an account's address verified (or not) by an operator's decision.
    /// - Parameters:
    ///   - userID: The account.
    ///   - verified: The new state.
    ///   - actor: Who decided, if a user (recorded).
    /// - Throws: ``AuthError/Code/notFound``.
    public func setEmailVerified(userID: UUID, _ verified: Bool = true, actor: UUID? = nil) async throws {
        let now = clock.now
        try await store.transaction { tx in
            guard var row = try await tx.userForUpdate(id: userID) else { throw AuthError(.notFound, "no such user") }
            row.verified = verified
            row.updatedAt = now
            try await tx.updateUser(row)
            try await record(
                verified ? "email.marked-verified" : "email.marked-unverified", entity: "user", actor: actor, at: now,
                in: tx
            ) {
                $0.set(AuditName("user_id"), id: userID)
            }
        }
    }
}
