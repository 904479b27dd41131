import Foundation
import TesseraAudit
import TesseraCrypto
import TesseraStore
import TesseraStoreSQLite
import TesseraTestSupport
import Testing

/// `Tests/interop/audit_proof_check.py`, written from docs/audit.md alone, checks the proofs Tessera makes.
@Suite("Audit inclusion proofs", .timeLimit(.minutes(5)))
struct AuditProofInteropTests {
    struct Request: Encodable {
        let proof: AuditInclusionProof
        let trusted_public_key: String
    }

    struct Answer: Decodable {
        let ok: Bool
        let reason: String?
    }

    static func check(_ proof: AuditInclusionProof, key: AuditCheckpointPublicKey) async throws -> Answer {
        let repositoryRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let script = repositoryRoot.appendingPathComponent("Tests/interop/audit_proof_check.py").path
        let input = try JSONEncoder().encode(Request(proof: proof, trusted_public_key: key.description))
        let outcome = try await ChildProcess.run("/usr/bin/env", ["python3", script], standardInput: input)
        try #require(outcome.status == 0, "\(outcome.standardError)")
        return try JSONDecoder().decode(Answer.self, from: outcome.standardOutputData)
    }

    @Test("every entry's proof verifies in Swift and in Python; altered proofs do not")
    func proofs() async throws {
        let key = AuditSigningKey(rootKey: .generate())
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proof-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("tessera.sqlite").path
        try await SQLiteStore.withStore(configuration: SQLiteStoreConfiguration(path: path)) { store in
            _ = try await store.migrate()
            let log = AuditLog(store: store, key: key)
            for index in 0..<37 {
                var payload = AuditPayload()
                payload.set(AuditName("attempt"), count: Int64(index))
                try await log.append(entity: AuditName("user"), action: AuditName("login.attempted"), payload: payload)
            }
            try await AuditFixture.sequencer(store, key: key, maxBatch: 10).drain()
            let publicKey = AuditFixture.checkpointKey.publicKey
            for id: Int64 in [1, 2, 16, 17, 36, 37] {
                let proof = try await AuditInclusionProof.make(entryID: id, store: store, publicKey: publicKey).get()
                #expect(proof.checkpoint.treeSize == 37)
                let answer = try await Self.check(proof, key: publicKey)
                #expect(answer.ok, "\(answer.reason ?? "")")
            }
            var proof = try await AuditInclusionProof.make(entryID: 17, store: store, publicKey: publicKey).get()
            var other = proof
            other.leafIndex += 1
            #expect(try await Self.check(other, key: publicKey).ok == false)
            other = proof
            other.path[0] = Data(repeating: 0, count: 32).base64EncodedString()
            #expect(try await Self.check(other, key: publicKey).ok == false)
            let stranger = AuditCheckpointKey(seed: SecretBytes(copying: SecureRandom.bytes(count: 32))).publicKey
            #expect(try await Self.check(proof, key: stranger).reason == "bad checkpoint signature")
            proof.entryID = 18
            #expect(try await Self.check(proof, key: publicKey).ok == false)
            try await log.append(entity: AuditName("user"), action: AuditName("unsealed"))
            let unsealed = try await AuditInclusionProof.make(entryID: 38, store: store, publicKey: publicKey)
            #expect(throws: AuditInclusionProof.UnavailableError.self) { try unsealed.get() }
        }
    }
}
