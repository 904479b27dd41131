import Foundation
import TesseraAudit
import TesseraCrypto
import TesseraStore
import TesseraTestSupport
import Testing

/// `Tests/interop/audit_proof_check.py` and `audit_consistency_check.py`, written from docs/audit.md alone, check the
/// inclusion and consistency proofs Tessera makes.
@Suite("Audit inclusion and consistency proofs", .timeLimit(.minutes(5)))
struct AuditProofInteropTests {
    struct Request: Encodable {
        let proof: AuditInclusionProof
        let trusted_public_key: String
    }

    struct Answer: Decodable {
        let ok: Bool
        let reason: String?
    }

    struct ConsistencyRequest: Encodable {
        let proof: AuditConsistencyProof
        let trusted_public_key: String
        let kept_line: String
    }

    static func check(_ proof: AuditInclusionProof, key: AuditCheckpointPublicKey) async throws -> Answer {
        try await Self.run("audit_proof_check.py", Request(proof: proof, trusted_public_key: key.description))
    }

    static func check(
        _ proof: AuditConsistencyProof, key: AuditCheckpointPublicKey, kept: String
    ) async throws -> Answer {
        try await Self.run(
            "audit_consistency_check.py",
            ConsistencyRequest(proof: proof, trusted_public_key: key.description, kept_line: kept)
        )
    }

    /// Runs `Tests/interop/SCRIPT` with `request` as JSON on its standard input.
    private static func run(_ script: String, _ request: some Encodable) async throws -> Answer {
        let repositoryRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = repositoryRoot.appendingPathComponent("Tests/interop/\(script)").path
        let outcome = try await ChildProcess.run(
            "/usr/bin/env", ["python3", path], standardInput: try JSONEncoder().encode(request)
        )
        try #require(outcome.status == 0, "\(outcome.standardError)")
        return try JSONDecoder().decode(Answer.self, from: outcome.standardOutputData)
    }

    @Test("every entry's proof verifies in Swift and in Python; altered proofs do not")
    func proofs() async throws {
        let key = AuditSigningKey(rootKey: .generate())
        try await AuditFixture.withSQLite { store in
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

    @Test("every pair of checkpoints has a consistency proof that verifies in Python; altered ones do not")
    func consistencyProofs() async throws {
        let key = AuditSigningKey(rootKey: .generate())
        try await AuditFixture.withSQLite { store in
            let log = AuditLog(store: store, key: key)
            let sequencer = AuditFixture.sequencer(store, key: key, maxBatch: 100)
            let publicKey = AuditFixture.checkpointKey.publicKey
            // Checkpoints of sizes 1, 2, 5, 8, 13, 21 and 37: powers of two and not, on both sides of a proof.
            var appended = 0
            for size in [1, 2, 5, 8, 13, 21, 37] {
                while appended < size {
                    try await log.append(entity: AuditName("user"), action: AuditName("login.attempted"))
                    appended += 1
                }
                try await sequencer.drain()
            }
            let checkpoints = try await store.auditCheckpoints(after: 0, limit: 100)
            #expect(checkpoints.map(\.treeSize) == [1, 2, 5, 8, 13, 21, 37])
            for (index, first) in checkpoints.enumerated() {
                let kept = AuditCheckpoint(first).line
                for second in checkpoints[index...] {
                    let proof = try await AuditConsistencyProof.make(
                        from: first.treeSize, to: second.treeSize, store: store, publicKey: publicKey
                    ).get()
                    let answer = try await Self.check(proof, key: publicKey, kept: kept)
                    #expect(answer.ok, "\(first.treeSize) → \(second.treeSize): \(answer.reason ?? "")")
                }
            }
            // The newest checkpoint by default.
            let proof = try await AuditConsistencyProof.make(from: 5, store: store, publicKey: publicKey).get()
            #expect(proof.second.treeSize == 37)
            let kept = AuditCheckpoint(checkpoints[2]).line
            var other = proof
            other.path[0] = Data(repeating: 0, count: 32).base64EncodedString()
            #expect(try await Self.check(other, key: publicKey, kept: kept).reason?.contains("extend") == true)
            other = proof
            other.path.removeLast()
            #expect(try await Self.check(other, key: publicKey, kept: kept).ok == false)
            other = proof
            other.second.rootHash = other.first.rootHash
            #expect(try await Self.check(other, key: publicKey, kept: kept).reason == "bad second checkpoint signature")
            #expect(
                try await Self.check(proof, key: publicKey, kept: AuditCheckpoint(checkpoints[3]).line).reason
                    == "the first checkpoint is not the one kept")
            let stranger = AuditCheckpointKey(seed: SecretBytes(copying: SecureRandom.bytes(count: 32))).publicKey
            #expect(
                try await Self.check(proof, key: stranger, kept: kept).reason == "bad first checkpoint signature")
            // Sizes no checkpoint has, or in the wrong order: no proof.
            for (from, to) in [(4, Int64?.none), (5, 6), (8, 5), (38, nil)] as [(Int64, Int64?)] {
                let missing = try await AuditConsistencyProof.make(
                    from: from, to: to, store: store, publicKey: publicKey
                )
                #expect(throws: AuditConsistencyProof.UnavailableError.self, "\(from) → \(String(describing: to))") {
                    try missing.get()
                }
            }
        }
    }
}
