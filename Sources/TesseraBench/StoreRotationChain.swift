import Foundation
import TesseraAudit
import TesseraCrypto
import TesseraStore

/// One benchmark client's session family: its user, and the hash of its current refresh token.
struct RotationChain: Sendable {
    /// The audit key the benchmark signs entries with (a stand-in for the key derived from the root key); the
    /// benchmark's sequencer checks every entry's MAC with it, as the server's does.
    static let auditKey = AuditSigningKey(material: .random(count: 32))

    let userID: UUID
    let familyID: UUID
    var currentHash: [UInt8]

    /// Creates a user and the first session row of a new family for benchmark client `index`.
    static func seed(
        in store: any TesseraStore,
        index: Int,
        now: Date,
        firstHash: [UInt8] = SecureRandom.bytes(count: 32)
    ) async throws -> RotationChain {
        let user = UserRecord(
            email: "bench-\(UUID().uuidString.lowercased())@example.com",
            passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$YmVuY2hiZW5jaGJlbmNo$YmVuY2hiZW5jaGJlbmNoYmVuY2hiZW5jaA",
            createdAt: now
        )
        try await store.createUser(user)
        let session = SessionRecord(
            userID: user.id, refreshTokenHash: firstHash, expiresAt: now.addingTimeInterval(30 * 86_400),
            deviceInfo: ["client": "bench-\(index)"], createdAt: now
        )
        try await store.createSession(session)
        return RotationChain(userID: user.id, familyID: session.familyID, currentHash: firstHash)
    }

    /// One unit of work, in one transaction: rotate the current refresh token and append the audit entry recording
    /// it (``TesseraStore/rotateRefreshToken(oldHash:newHash:newExpiresAt:now:graceWindow:audit:seal:)``).
    mutating func rotate(in store: any TesseraStore) async throws {
        let now = Date()
        let next = SecureRandom.bytes(count: 32)
        let userID = self.userID
        let family = self.familyID.uuidString.lowercased()
        let result = try await store.rotateRefreshToken(
            oldHash: self.currentHash, newHash: next, newExpiresAt: now.addingTimeInterval(30 * 86_400), now: now,
            graceWindow: .seconds(10),
            audit: { outcome, _ in
                guard case .rotated(let successor) = outcome else { return nil }
                return AuditEntryDraft(
                    entity: "session", action: "refresh.rotated", actorID: userID,
                    payload: ["family": family, "counter": String(successor.rotationCounter)], timestamp: now
                )
            },
            seal: Self.seal
        )
        guard case .rotated = result.outcome, result.auditEntry != nil else {
            throw StoreError(.backend, "a benchmark rotation did not rotate")
        }
        self.currentHash = next
    }

    /// Seals an entry as ``AuditLog`` does: the canonical form (format 2, no chain) and its HMAC-SHA256 under the
    /// audit key.
    @Sendable static func seal(_ draft: AuditEntryDraft, _ link: AuditChainLink) -> AuditSeal {
        AuditCanonicalForm.seal(draft, link: link, key: Self.auditKey)
    }
}
