import Foundation
import TesseraAudit
import TesseraCrypto
import TesseraStore
import TesseraStorePostgres
import TesseraStoreSQLite
import TesseraTestSupport
import Testing

/// `AuditLog.rotateRefreshToken`: rotations recorded in the same transaction, signed with the audit key, on both
/// backends; the log verifies afterwards, once the sequencer has placed it.
@Suite("Audited refresh rotation", .timeLimit(.minutes(5)))
struct AuditedRotationTests {
    private static let key = AuditSigningKey(rootKey: .generate())
    private static let now = Date(timeIntervalSince1970: 1_800_000_000)

    enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case postgres
        case sqlite

        var testDescription: String { rawValue }

        /// Runs `body` with two migrated stores (two pools / two connections) on one fresh database.
        func withStores(_ body: (any TesseraStore, any TesseraStore) async throws -> Void) async throws {
            switch self {
            case .postgres:
                try await TestPostgres.withTemporaryDatabase { url in
                    let configuration = try PostgresStoreConfiguration(url: url, maximumConnections: 8)
                    try await PostgresStore.withStore(configuration: configuration) { first in
                        _ = try await first.migrate()
                        try await PostgresStore.withStore(configuration: configuration) { second in
                            try await body(first, second)
                        }
                    }
                }
            case .sqlite:
                let directory = FileManager.default.temporaryDirectory
                    .appendingPathComponent("audited-rotation-\(UUID().uuidString)")
                defer { try? FileManager.default.removeItem(at: directory) }
                let configuration = SQLiteStoreConfiguration(path: directory.appendingPathComponent("t.sqlite").path)
                try await SQLiteStore.withStore(configuration: configuration) { first in
                    _ = try await first.migrate()
                    try await SQLiteStore.withStore(configuration: configuration) { second in
                        try await body(first, second)
                    }
                }
            }
        }
    }

    /// A user and the first token of a family.
    private static func seed(_ store: any TesseraStore) async throws -> SessionRecord {
        let user = UserRecord(
            email: "user-\(UUID().uuidString.lowercased())@example.com",
            passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
            createdAt: Self.now
        )
        try await store.createUser(user)
        let root = SessionRecord(
            userID: user.id, refreshTokenHash: SecureRandom.bytes(count: 32),
            expiresAt: Self.now.addingTimeInterval(3600), createdAt: Self.now
        )
        try await store.createSession(root)
        return root
    }

    @Test(
        "20 concurrent rotations: one rotated entry, 19 already-rotated, a log that verifies",
        arguments: Backend.allCases)
    func concurrent(backend: Backend) async throws {
        try await backend.withStores { first, second in
            let root = try await Self.seed(first)
            let results = try await withThrowingTaskGroup(of: AuditedRefreshRotation.self) { group in
                for index in 0..<20 {
                    let log = AuditLog(store: index.isMultiple(of: 2) ? first : second, key: Self.key)
                    group.addTask {
                        try await log.rotateRefreshToken(
                            oldHash: root.refreshTokenHash, newHash: SecureRandom.bytes(count: 32),
                            newExpiresAt: Self.now.addingTimeInterval(7200), now: Self.now.addingTimeInterval(1),
                            graceWindow: .seconds(30))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let rotated = results.filter {
                if case .rotated = $0.outcome { return true }
                return false
            }
            #expect(rotated.count == 1)
            #expect(try await first.sessions(userID: root.userID).filter(\.isCurrent).count == 1)
            let chain = try await first.auditEntries(after: 0, limit: 100)
            #expect(chain.filter { $0.action == "refresh.rotated" }.count == 1)
            #expect(chain.filter { $0.action == "refresh.already-rotated" }.count == 19)
            #expect(chain.allSatisfy { $0.actorID == root.userID && AuditPayload.isWellFormed($0.payload) })
            #expect(try await AuditFixture.sealAndVerify(first, key: Self.key, pageSize: 7).sealedEntries == 20)
        }
    }

    @Test("a replay revokes the family and is recorded; a taken hash records nothing", arguments: Backend.allCases)
    func replayAndFailure(backend: Backend) async throws {
        try await backend.withStores { store, _ in
            let log = AuditLog(store: store, key: Self.key)
            let root = try await Self.seed(store)
            let other = try await Self.seed(store)
            await #expect(throws: StoreError(.duplicateRefreshToken, "")) {
                try await log.rotateRefreshToken(
                    oldHash: root.refreshTokenHash, newHash: other.refreshTokenHash,
                    newExpiresAt: Self.now.addingTimeInterval(7200), now: Self.now.addingTimeInterval(1),
                    graceWindow: .seconds(5))
            }
            #expect(try await store.auditChainHead().id == 1)
            let next = SecureRandom.bytes(count: 32)
            let first = try await log.rotateRefreshToken(
                oldHash: root.refreshTokenHash, newHash: next, newExpiresAt: Self.now.addingTimeInterval(7200),
                now: Self.now.addingTimeInterval(2), graceWindow: .seconds(5))
            #expect(first.auditEntry?.action == "refresh.rotated")
            let replay = try await log.rotateRefreshToken(
                oldHash: root.refreshTokenHash, newHash: SecureRandom.bytes(count: 32),
                newExpiresAt: Self.now.addingTimeInterval(7200), now: Self.now.addingTimeInterval(60),
                graceWindow: .seconds(5))
            #expect(replay.outcome == .reuseDetected(familyID: root.familyID))
            #expect(replay.auditEntry?.action == "refresh.reuse-detected")
            #expect(replay.auditEntry?.payload["outcome"] == "refused")
            #expect(try await store.session(refreshTokenHash: next)?.revokedAt != nil)
            let unknown = try await log.rotateRefreshToken(
                oldHash: SecureRandom.bytes(count: 32), newHash: SecureRandom.bytes(count: 32),
                newExpiresAt: Self.now.addingTimeInterval(7200), now: Self.now.addingTimeInterval(61),
                graceWindow: .seconds(5))
            #expect(unknown.outcome == .notFound && unknown.auditEntry == nil)
            #expect(try await AuditFixture.sealAndVerify(store, key: Self.key).sealedEntries == 2)
        }
    }
}
