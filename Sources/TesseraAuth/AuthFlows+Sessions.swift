import Foundation
import TesseraAudit
import TesseraCrypto
import TesseraStore

/// What `refresh` did.
public enum RefreshOutcome: Sendable {
    /// The successor session (a concurrent refresh inside the grace window gets the same one).
    case refreshed(IssuedSession)
    /// Refused, with the reason.
    case refused(RefreshRefusal)
}

/// Why a refresh was refused.
public enum RefreshRefusal: String, Sendable, Hashable {
    /// No session has this token.
    case unknown
    /// The session expired (idle timeout or absolute lifetime).
    case expired
    /// The session was revoked (signed out, password changed, account disabled).
    case revoked
    /// An already rotated token was presented after the grace window: the whole session is now revoked.
    case reuseDetected = "reuse_detected"
}

/// A session as listed: no token material.
public struct SessionSummary: Sendable, Hashable {
    /// The session's id (stable across refreshes).
    public let sessionID: UUID
    /// The device description given at sign-in.
    public let deviceInfo: [String: String]
    /// How the sign-in was authenticated.
    public let assurance: AssuranceLevel
    /// When the session began.
    public let createdAt: Date
    /// When it was last refreshed, if it was.
    public let lastUsed: Date?
    /// When its current refresh token expires.
    public let expiresAt: Date
    /// When it ends whatever its refreshes.
    public let sessionExpiresAt: Date?
}

extension AuthFlows {
    /// The device-description key holding a session's assurance level (`tessera.` keys are refused from callers).
    static let assuranceKey = "tessera.aal"

    /// Creates the first token of a new session inside `tx`.
    func issueSession(
        for user: UserRecord,
        device: [String: String],
        assurance: AssuranceLevel,
        at now: Date,
        in tx: any TesseraStore
    ) async throws -> IssuedSession {
        let token = OpaqueToken.generate(.refresh)
        let end = now.addingTimeInterval(DurationSeconds.of(policy.sessions.absoluteLifetime))
        let expires = min(end, now.addingTimeInterval(DurationSeconds.of(policy.sessions.idleTimeout)))
        var info = device
        info[Self.assuranceKey] = assurance.rawValue
        let row = SessionRecord(
            userID: user.id, refreshTokenHash: token.digest.rawBytes, expiresAt: expires, deviceInfo: info,
            createdAt: now, familyExpiresAt: end
        )
        try await tx.createSession(row)
        return IssuedSession(
            refreshToken: token, sessionID: row.familyID, userID: user.id, role: user.role, assurance: assurance,
            expiresAt: expires, sessionExpiresAt: end
        )
    }

    /// Rotates a refresh token: the successor, the same successor again for a concurrent refresh inside the grace
    /// window, or a refusal (a replay after it revokes the whole session). Rotation and audit entry commit together.
    /// - Parameter token: The presented refresh token.
    /// - Throws: ``AuthError/Code/invalidArgument`` for a token with a bad prefix, length or checksum (before any
    ///   database read).
    public func refresh(token raw: String) async throws -> RefreshOutcome {
        let presented = try AuthInput.token(raw, .refresh, field: "refresh token")
        // Derived, not random: a second caller inside the grace window is handed this same token.
        let successor = OpaqueToken.derived(.refresh, key: keys.refreshSuccessor, from: presented)
        let successorHash = successor.digest.rawBytes
        let now = clock.now
        let rotation = try await audit.rotateRefreshToken(
            oldHash: presented.digest.rawBytes,
            newHash: successorHash,
            newExpiresAt: now.addingTimeInterval(DurationSeconds.of(policy.sessions.idleTimeout)),
            now: now,
            graceWindow: policy.sessions.graceWindow
        )
        let row: SessionRecord
        switch rotation.outcome {
        case .rotated(let successorRow):
            row = successorRow
        case .alreadyRotated(let current):
            // Only the direct successor can be handed out again; a later one was made from a token we don't have.
            guard ConstantTime.equals(current.refreshTokenHash, successorHash) else { return .refused(.revoked) }
            row = current
        case .reuseDetected: return .refused(.reuseDetected)
        case .revoked: return .refused(.revoked)
        case .expired: return .refused(.expired)
        case .notFound: return .refused(.unknown)
        }
        guard let user = try await store.user(id: row.userID), user.disabledAt == nil else {
            return .refused(.revoked)
        }
        return .refreshed(
            IssuedSession(
                refreshToken: successor, sessionID: row.familyID, userID: user.id, role: user.role,
                assurance: AssuranceLevel(rawValue: row.deviceInfo[Self.assuranceKey] ?? "") ?? .aal1,
                expiresAt: row.expiresAt, sessionExpiresAt: row.familyExpiresAt
            )
        )
    }

    /// Revokes one session of a user.
    /// - Parameters:
    ///   - sessionID: The session (family) id.
    ///   - userID: Its owner: a session of another user is not found.
    ///   - actor: Who revokes, if not the owner.
    /// - Returns: Whether a live session was revoked.
    public func revokeSession(_ sessionID: UUID, of userID: UUID, actor: UUID? = nil) async throws -> Bool {
        let now = clock.now
        return try await store.transaction { tx in
            let rows = try await tx.sessions(userID: userID)
            guard rows.contains(where: { $0.familyID == sessionID && $0.revokedAt == nil }) else { return false }
            let changed = try await tx.revokeSessionFamily(familyID: sessionID, now: now)
            try await record("session.revoked", entity: "session", actor: actor ?? userID, at: now, in: tx) {
                $0.set(AuditName("session_id"), id: sessionID)
                $0.set(AuditName("user_id"), id: userID)
            }
            return changed > 0
        }
    }

    /// Revokes every session of a user. Returns how many sessions were live.
    /// - Parameters:
    ///   - userID: The user.
    ///   - actor: Who revokes, if not the user.
    public func revokeAllSessions(of userID: UUID, actor: UUID? = nil) async throws -> Int {
        let now = clock.now
        return try await store.transaction { tx in
            let revoked = try await revokeSessions(of: userID, except: nil, at: now, in: tx)
            try await record("session.revoked-all", entity: "session", actor: actor ?? userID, at: now, in: tx) {
                $0.set(AuditName("user_id"), id: userID)
                $0.set(AuditName("revoked_sessions"), count: Int64(revoked))
            }
            return revoked
        }
    }

    /// Revokes the live sessions of a user except one, inside `tx`; returns how many.
    func revokeSessions(of userID: UUID, except keep: UUID?, at now: Date, in tx: any TesseraStore) async throws
        -> Int
    {
        let live = Set(
            try await tx.sessions(userID: userID)
                .filter { $0.isCurrent && $0.expiresAt > now && $0.familyID != keep }
                .map(\.familyID)
        )
        for family in live {
            _ = try await tx.revokeSessionFamily(familyID: family, now: now)
        }
        return live.count
    }

    /// A user's live sessions, newest first: no token material.
    /// - Parameter userID: The user.
    public func sessions(of userID: UUID) async throws -> [SessionSummary] {
        let now = clock.now
        let rows = try await store.sessions(userID: userID)
        let firstByFamily = Dictionary(
            rows.map { ($0.familyID, $0) }, uniquingKeysWith: { $0.createdAt < $1.createdAt ? $0 : $1 })
        return rows.filter { $0.isCurrent && $0.expiresAt > now }
            .map { row in
                var info = row.deviceInfo
                let assurance = AssuranceLevel(rawValue: info.removeValue(forKey: Self.assuranceKey) ?? "") ?? .aal1
                return SessionSummary(
                    sessionID: row.familyID, deviceInfo: info, assurance: assurance,
                    createdAt: firstByFamily[row.familyID]?.createdAt ?? row.createdAt,
                    lastUsed: row.rotationCounter > 0 ? row.createdAt : nil, expiresAt: row.expiresAt,
                    sessionExpiresAt: row.familyExpiresAt
                )
            }
            .sorted { $0.createdAt > $1.createdAt }
    }
}
