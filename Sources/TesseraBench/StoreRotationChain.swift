import Crypto
import Foundation
import TesseraCrypto
import TesseraStore

/// One benchmark client's session family: its user, and the hash of its current refresh token.
struct RotationChain: Sendable {
    /// The audit key the benchmark signs entries with (a stand-in for the key derived from the root key).
    static let auditKey = SymmetricKey(size: .bits256)

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

    /// One unit of work: rotate the current refresh token, then append the audit entry recording it.
    mutating func rotate(in store: any TesseraStore) async throws {
        let now = Date()
        let next = SecureRandom.bytes(count: 32)
        let outcome = try await store.rotateRefreshToken(
            oldHash: self.currentHash, newHash: next, newExpiresAt: now.addingTimeInterval(30 * 86_400), now: now,
            graceWindow: .seconds(10)
        )
        guard case .rotated(let successor) = outcome else {
            throw StoreError(.backend, "a benchmark rotation did not rotate")
        }
        self.currentHash = next
        let draft = AuditEntryDraft(
            entity: "session", action: "refresh.rotated", actorID: self.userID,
            payload: ["family": self.familyID.uuidString.lowercased(), "counter": String(successor.rotationCounter)],
            timestamp: now
        )
        _ = try await store.appendAuditEntry(draft, seal: Self.seal)
    }

    /// Seals an entry as the audit service will: SHA-256 over a canonical form chained to the previous hash, and an
    /// HMAC-SHA256 of that hash under the audit key.
    @Sendable static func seal(_ draft: AuditEntryDraft, _ link: AuditChainLink) -> AuditSeal {
        var canonical = link.previousHash
        canonical += withUnsafeBytes(of: link.id.bigEndian) { Array($0) }
        canonical += Array("\(draft.entity)\u{0}\(draft.action)\u{0}".utf8)
        canonical += Array(JSONColumn.encode(draft.payload).utf8)
        let hash = Array(SHA256.hash(data: canonical))
        let signature = Array(HMAC<SHA256>.authenticationCode(for: hash, using: Self.auditKey))
        return AuditSeal(entryHash: hash, signature: signature)
    }
}
