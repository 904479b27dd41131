import Crypto
import Foundation
import PostgresNIO
import TesseraCrypto
import TesseraStore
import TesseraTestSupport
import Testing

@testable import TesseraAudit
@testable import TesseraStorePostgres
@testable import TesseraStoreSQLite

/// The audit log end to end: appends without a shared row, the sequencer's batches and checkpoints, verification,
/// and tampering done directly in SQL as a superuser with the triggers switched off.
@Suite("Audit tree", .timeLimit(.minutes(5)))
struct AuditTreeTests {
    static let key = AuditSigningKey(rootKey: .generate())

    /// Appends `count` entries with varied payloads.
    static func appendEntries(_ count: Int, to log: AuditLog) async throws {
        for index in 0..<count {
            var payload = AuditPayload()
            payload.set(AuditName("user_id"), id: UUID())
            payload.set(AuditName("attempt"), count: Int64(index))
            payload.set(AuditName("outcome"), outcome: index.isMultiple(of: 3) ? .failed : .succeeded)
            try await log.append(
                entity: AuditName("user"), action: AuditName("login.attempted"),
                actorID: index.isMultiple(of: 2) ? UUID() : nil, payload: payload
            )
        }
    }

    /// A fresh migrated PostgreSQL store.
    static func withPostgres(
        migrations: [Migration] = PostgresMigrations.all,
        _ body: @escaping (PostgresStore, PostgresStoreConfiguration) async throws -> Void
    ) async throws {
        try await TestPostgres.withTemporaryDatabase { url in
            let configuration = try PostgresStoreConfiguration(url: url, maximumConnections: 4)
            try await PostgresStore.withStore(configuration: configuration, migrations: migrations) { store in
                _ = try await store.migrate()
                try await body(store, configuration)
            }
        }
    }

    /// Runs statements as the superuser with the triggers off (what an attacker with the database would do).
    static func tamper(_ store: PostgresStore, _ statements: [String]) async throws {
        try await store.withTransaction { transaction in
            try await transaction.run("SET LOCAL session_replication_role = replica")
            for statement in statements {
                try await transaction.rows(PostgresQuery(unsafeSQL: statement))
            }
        }
    }

    @Test("Merkle tree: roots follow RFC 9162's definition and every inclusion proof verifies")
    func merkle() {
        func reference(_ leaves: ArraySlice<[UInt8]>) -> [UInt8] {
            if leaves.isEmpty { return Array(SHA256.hash(data: [UInt8]())) }
            if leaves.count == 1 { return leaves[leaves.startIndex] }
            var k = 1
            while k * 2 < leaves.count { k *= 2 }
            let split = leaves.startIndex + k
            return AuditMerkleTree.nodeHash(reference(leaves[..<split]), reference(leaves[split...]))
        }
        for size in 0...33 {
            let leaves = (0..<size).map { AuditMerkleTree.leafHash(Array("leaf \($0)".utf8)) }
            let root = AuditMerkleTree.root(leaves[...])
            #expect(root == reference(leaves[...]), "size \(size)")
            var frontier = AuditMerkleFrontier()
            for leaf in leaves { frontier.append(leaf) }
            #expect(AuditMerkleFrontier(size: Int64(size), stored: frontier.serialized)?.root == root)
            for index in 0..<size {
                let proof = AuditMerkleTree.inclusionProof(index: index, leaves: leaves[...])
                #expect(
                    AuditMerkleTree.verifyInclusion(
                        leafHash: leaves[index], index: Int64(index), treeSize: Int64(size), proof: proof, root: root))
                if size > 1 {
                    #expect(
                        !AuditMerkleTree.verifyInclusion(
                            leafHash: leaves[(index + 1) % size], index: Int64(index), treeSize: Int64(size),
                            proof: proof, root: root))
                }
            }
        }
        // RFC 6962's test vector: the empty tree.
        #expect(
            AuditMerkleTree.emptyRoot.map { String(format: "%02x", $0) }.joined()
                == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("Merkle tree: every consistency proof between two sizes verifies, and altered ones do not")
    func consistency() throws {
        for size in 1...33 {
            let leaves = (0..<size).map { AuditMerkleTree.leafHash(Array("leaf \($0)".utf8)) }
            let root = AuditMerkleTree.root(leaves[...])
            for oldSize in 1...size {
                let oldRoot = AuditMerkleTree.root(leaves[..<oldSize])
                let proof = AuditMerkleTree.consistencyProof(oldSize: oldSize, leaves: leaves[...])
                let (m, n) = (Int64(oldSize), Int64(size))
                #expect(
                    AuditMerkleTree.verifyConsistency(
                        oldSize: m, newSize: n, oldRoot: oldRoot, newRoot: root, proof: proof),
                    "\(oldSize) → \(size)")
                // A prefix that was changed afterwards: its old root no longer follows from the proof.
                var altered = leaves
                altered[oldSize - 1] = AuditMerkleTree.leafHash(Array("changed".utf8))
                #expect(
                    !AuditMerkleTree.verifyConsistency(
                        oldSize: m, newSize: n, oldRoot: oldRoot, newRoot: AuditMerkleTree.root(altered[...]),
                        proof: AuditMerkleTree.consistencyProof(oldSize: oldSize, leaves: altered[...])),
                    "\(oldSize) → \(size), changed leaf")
                if !proof.isEmpty {
                    var flipped = proof
                    flipped[flipped.count - 1][0] ^= 1
                    #expect(
                        !AuditMerkleTree.verifyConsistency(
                            oldSize: m, newSize: n, oldRoot: oldRoot, newRoot: root, proof: flipped))
                    #expect(
                        !AuditMerkleTree.verifyConsistency(
                            oldSize: m, newSize: n, oldRoot: oldRoot, newRoot: root, proof: Array(proof.dropLast())))
                }
                if oldSize < size {
                    #expect(
                        !AuditMerkleTree.verifyConsistency(
                            oldSize: m + 1, newSize: n, oldRoot: oldRoot, newRoot: root, proof: proof))
                }
            }
        }
        // RFC 6962's reference leaves and the consistency proofs published with them (transparency-dev/merkle).
        let data = [
            "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
        ]
        let leaves = try data.map { AuditMerkleTree.leafHash(try Self.bytes(hex: $0)) }
        let hex = { (hashes: [[UInt8]]) in hashes.map { $0.map { String(format: "%02x", $0) }.joined() } }
        #expect(
            hex([AuditMerkleTree.root(leaves[...])])
                == ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"])
        #expect(
            hex(AuditMerkleTree.consistencyProof(oldSize: 1, leaves: leaves[...])) == [
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ])
        #expect(
            hex(AuditMerkleTree.consistencyProof(oldSize: 2, leaves: leaves[...])) == [
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ])
        #expect(
            hex(AuditMerkleTree.consistencyProof(oldSize: 6, leaves: leaves[...])) == [
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ])
        #expect(
            hex(AuditMerkleTree.consistencyProof(oldSize: 2, leaves: leaves[..<5])) == [
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ])
    }

    private static func bytes(hex: String) throws -> [UInt8] {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(try #require(UInt8(hex[index..<next], radix: 16)))
            index = next
        }
        return bytes
    }

    @Test("checkpoint lines round-trip and verify only under their key")
    func checkpointLine() throws {
        let record = AuditCheckpointRecord(
            treeSize: 42, rootHash: Array(repeating: 7, count: 32), timestampMilliseconds: 1_800_000_000_123,
            signature: [], settledID: 40, frontier: []
        )
        var checkpoint = AuditCheckpoint(record)
        checkpoint.signature = try AuditFixture.checkpointKey.signForTests(checkpoint.signedBytes)
        let parsed = try #require(AuditCheckpoint(line: checkpoint.line))
        #expect(parsed == checkpoint)
        #expect(parsed.isValid(under: AuditFixture.checkpointKey.publicKey))
        let other = AuditCheckpointKey(seed: SecretBytes(copying: SecureRandom.bytes(count: 32)))
        #expect(!parsed.isValid(under: other.publicKey))
        #expect(AuditCheckpoint(line: "checkpoint v1 size=1") == nil)
    }

    @Test("PostgreSQL: concurrent appenders on two pools; the sequencer places each once and verify passes")
    func postgresConcurrentAppends() async throws {
        try await Self.withPostgres { first, configuration in
            try await PostgresStore.withStore(configuration: configuration) { second in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for store in [first, second, first, second] as [PostgresStore] {
                        group.addTask { try await Self.appendEntries(10, to: AuditLog(store: store, key: Self.key)) }
                    }
                    try await group.waitForAll()
                }
                // Only one store can hold the sequencer lease at a time.
                let inner = try await first.withAuditSequencerLease { _ in
                    try await second.withAuditSequencerLease { _ in true }
                }
                #expect(inner == .some(nil))
            }
            let report = try await AuditFixture.sealAndVerify(first, key: Self.key, pageSize: 7)
            #expect(report.sealedEntries == 40)
            let leaves = try await first.auditSequencedEntries(from: 0, limit: 100)
            #expect(leaves.map(\.leaf.entryID).sorted() == Array(1...40))
            // Leaves and checkpoints refuse changes (without the superuser's bypass).
            for statement: PostgresQuery in [
                "DELETE FROM audits.audit_sequence", "UPDATE audits.audit_sequence SET entry_id = 0",
                "DELETE FROM audits.audit_checkpoints", "UPDATE audits.audit_checkpoints SET settled_id = 0",
            ] {
                await #expect(throws: StoreError.self) { try await first.rows(statement) }
            }
            // Another MAC key fails at the first entry; another checkpoint key at the first checkpoint.
            let otherMAC = try await AuditFixture.verifier(first, key: AuditSigningKey(rootKey: .generate())).verify()
            #expect(otherMAC.firstBreak?.reason == .badSignature)
            let otherSigner = AuditCheckpointKey(seed: SecretBytes(copying: SecureRandom.bytes(count: 32)))
            let otherCheckpoint = try await AuditVerifier(
                store: first, key: Self.key, publicKey: otherSigner.publicKey
            ).verify()
            #expect(otherCheckpoint.firstBreak?.reason == .badCheckpointSignature)
        }
    }

    /// How the log is tampered with, as a superuser bypassing the triggers would. Entries 1…20 are in the tree
    /// (leaves 0…19, one checkpoint), 21…23 are the unsealed tail.
    enum Tampering: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case alterPayload, alterTimestamp, swapEntryIDs, deleteEntry, deleteLeafAndEntry, repointLeaves
        case reorderLeavesWithHashes, duplicateEntry, alterUnsealed, deleteCheckpoint, truncateTail

        var testDescription: String { rawValue }

        var statements: [String] {
            switch self {
            case .alterPayload: ["UPDATE audits.audit_log SET payload = '{\"attempt\": \"999\"}' WHERE id = 7"]
            case .alterTimestamp: ["UPDATE audits.audit_log SET ts = ts + interval '1 second' WHERE id = 7"]
            case .swapEntryIDs:
                [
                    "UPDATE audits.audit_log SET id = -7 WHERE id = 7",
                    "UPDATE audits.audit_log SET id = 7 WHERE id = 8",
                    "UPDATE audits.audit_log SET id = 8 WHERE id = -7",
                ]
            case .deleteEntry: ["DELETE FROM audits.audit_log WHERE id = 7"]
            case .deleteLeafAndEntry:
                ["DELETE FROM audits.audit_log WHERE id = 7", "DELETE FROM audits.audit_sequence WHERE entry_id = 7"]
            case .repointLeaves:
                [
                    "UPDATE audits.audit_sequence SET entry_id = -1 WHERE seq = 6",
                    "UPDATE audits.audit_sequence SET entry_id = 7 WHERE seq = 7",
                    "UPDATE audits.audit_sequence SET entry_id = 8 WHERE seq = 6",
                ]
            case .reorderLeavesWithHashes:
                [
                    "UPDATE audits.audit_sequence SET seq = 1000000 WHERE seq = 6",
                    "UPDATE audits.audit_sequence SET seq = 6 WHERE seq = 7",
                    "UPDATE audits.audit_sequence SET seq = 7 WHERE seq = 1000000",
                ]
            case .duplicateEntry:
                [
                    """
                    INSERT INTO audits.audit_log (id, entity, action, actor_id, payload, signature, prev_hash, ts)
                    SELECT id, entity, action, actor_id, payload, signature, prev_hash, ts + interval '1 hour'
                    FROM audits.audit_log WHERE id = 5
                    """
                ]
            case .alterUnsealed: ["UPDATE audits.audit_log SET action = 'login.forged' WHERE id = 22"]
            case .deleteCheckpoint: ["DELETE FROM audits.audit_checkpoints"]
            case .truncateTail:
                ["DELETE FROM audits.audit_log WHERE id = 20", "DELETE FROM audits.audit_sequence WHERE entry_id = 20"]
            }
        }

        var expected: AuditBreak {
            switch self {
            case .alterPayload, .alterTimestamp, .swapEntryIDs: AuditBreak(entryID: 7, reason: .badSignature)
            case .deleteEntry: AuditBreak(entryID: 7, reason: .missing)
            case .deleteLeafAndEntry: AuditBreak(entryID: 8, reason: .missingLeaf)
            case .repointLeaves: AuditBreak(entryID: 8, reason: .leafMismatch)
            case .reorderLeavesWithHashes: AuditBreak(entryID: 1, reason: .checkpointMismatch)
            case .duplicateEntry: AuditBreak(entryID: 5, reason: .inserted)
            case .alterUnsealed: AuditBreak(entryID: 22, reason: .badSignature)
            case .deleteCheckpoint: AuditBreak(entryID: 1, reason: .beyondCheckpoint)
            case .truncateTail: AuditBreak(entryID: 19, reason: .truncated)
            }
        }
    }

    @Test("PostgreSQL: each kind of tampering is detected and named", arguments: Tampering.allCases)
    func postgresTampering(_ tampering: Tampering) async throws {
        try await Self.withPostgres { store, _ in
            let log = AuditLog(store: store, key: Self.key)
            try await Self.appendEntries(20, to: log)
            try await AuditFixture.sequencer(store, key: Self.key).drain()
            try await Self.appendEntries(3, to: log)
            let before = try await AuditFixture.verifier(store, key: Self.key, pageSize: 4).verify()
            #expect(before.firstBreak == nil)
            #expect(before.sealedEntries == 20 && before.unsealedEntries == 3 && before.checkpoints == 1)
            try await Self.tamper(store, tampering.statements)
            let after = try await AuditFixture.verifier(store, key: Self.key, pageSize: 4).verify()
            #expect(after.firstBreak == tampering.expected)
        }
    }

    @Test("PostgreSQL: an entry whose transaction commits after a batch is placed by a later one, never skipped")
    func outOfOrderCommit() async throws {
        try await Self.withPostgres { store, _ in
            let log = AuditLog(store: store, key: Self.key)
            try await Self.appendEntries(3, to: log)
            let (appended, appendedSignal) = AsyncStream.makeStream(of: Int64.self)
            let (release, releaseSignal) = AsyncStream.makeStream(of: Void.self)
            let held = Task {
                try await store.transaction { tx in
                    let entry = try await log.append(entity: AuditName("user"), action: AuditName("held"), in: tx)
                    appendedSignal.yield(entry.id)
                    for await _ in release { break }
                    return entry.id
                }
            }
            var heldID: Int64 = 0
            for await id in appended {
                heldID = id
                break
            }
            try await Self.appendEntries(3, to: log)
            let sequencer = AuditFixture.sequencer(store, key: Self.key)
            let placed = try await store.withAuditSequencerLease { lease in
                let first = try await sequencer.batchOnce(lease)
                let second = try await sequencer.batchOnce(lease)
                return first + second
            }
            #expect(placed == 6)
            #expect(try await store.auditLeaf(entryID: heldID) == nil)
            #expect(try await store.latestAuditCheckpoint()?.settledID ?? 0 < heldID)
            releaseSignal.yield()
            releaseSignal.finish()
            #expect(try await held.value == heldID)
            let report = try await AuditFixture.sealAndVerify(store, key: Self.key)
            #expect(report.sealedEntries == 7)
            let leaves = try await store.auditSequencedEntries(from: 0, limit: 100).map(\.leaf.entryID)
            #expect(leaves.sorted() == Array(1...7))
            #expect(leaves.last == heldID)
        }
    }

    @Test("PostgreSQL: a refresh rotation held after its locked read took the entry id is never skipped")
    func rotationHeldAcrossBatches() async throws {
        try await Self.withPostgres { store, _ in
            let log = AuditLog(store: store, key: Self.key)
            try await Self.appendEntries(3, to: log)
            let now = Date()
            let user = UserRecord(email: "held@example.com", passwordHash: "x", createdAt: now)
            try await store.createUser(user)
            let root = SessionRecord(
                userID: user.id, refreshTokenHash: Array(repeating: 1, count: 32),
                expiresAt: now.addingTimeInterval(3600), createdAt: now)
            try await store.createSession(root)
            let newHash = Array(repeating: UInt8(2), count: 32)
            // Another transaction inserts, and does not commit, a row with the successor's hash: the rotation's
            // write waits on the unique index for it, after its locked read has taken the entry id.
            let (inserted, insertedSignal) = AsyncStream.makeStream(of: Void.self)
            let (release, releaseSignal) = AsyncStream.makeStream(of: Void.self)
            let blocker = Task {
                try await store.transaction { tx in
                    try await tx.createSession(
                        SessionRecord(
                            userID: user.id, refreshTokenHash: newHash, expiresAt: now.addingTimeInterval(3600),
                            createdAt: now))
                    insertedSignal.yield()
                    for await _ in release { break }
                    throw StoreError(.backend, "rolled back on purpose")
                }
            }
            for await _ in inserted { break }
            let rotation = Task {
                try await log.rotateRefreshToken(
                    oldHash: root.refreshTokenHash, newHash: newHash, newExpiresAt: now.addingTimeInterval(3600),
                    now: now, graceWindow: .seconds(30))
            }
            // The rotation has taken id 4 once the sequence has handed it out.
            while try await Self.lastAllocatedID(store) < 4 { try await Task.sleep(for: .milliseconds(10)) }
            try await Self.appendEntries(3, to: log)
            let sequencer = AuditFixture.sequencer(store, key: Self.key)
            let placed = try await store.withAuditSequencerLease { lease in
                try await sequencer.batchOnce(lease) + sequencer.batchOnce(lease)
            }
            #expect(placed == 6)
            #expect(try await store.auditLeaf(entryID: 4) == nil)
            #expect(try await store.latestAuditCheckpoint()?.settledID ?? 0 < 4)
            releaseSignal.yield()
            releaseSignal.finish()
            await #expect(throws: StoreError.self) { try await blocker.value }
            let rotated = try await rotation.value
            #expect(rotated.auditEntry?.id == 4 && rotated.auditEntry?.action == "refresh.rotated")
            let report = try await AuditFixture.sealAndVerify(store, key: Self.key)
            #expect(report.sealedEntries == 7)
            let leaves = try await store.auditSequencedEntries(from: 0, limit: 100).map(\.leaf.entryID)
            #expect(leaves.sorted() == Array(1...7))
            #expect(leaves.last == 4)
        }
    }

    /// The highest id the audit log's sequence has handed out (0 before the first).
    static func lastAllocatedID(_ store: PostgresStore) async throws -> Int64 {
        let rows = try await store.rows(
            "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM audits.audit_log_id_seq")
        return try rows.first?.decode(Int64.self) ?? 0
    }

    @Test("PostgreSQL: the legacy chain verifies under the old rules and becomes the first batch")
    func legacyMigration() async throws {
        let before = PostgresMigrations.all.filter { $0.version < PostgresMigrations.auditTree.version }
        try await TestPostgres.withTemporaryDatabase { url in
            let configuration = try PostgresStoreConfiguration(url: url, maximumConnections: 2)
            try await PostgresStore.withStore(configuration: configuration, migrations: before) { store in
                _ = try await store.migrate()
                var previous = AuditCanonicalForm.genesisHash
                for id in 1...10 {
                    let draft = AuditEntryDraft(
                        entity: "user", action: "login.attempted", payload: ["attempt": String(id)],
                        timestamp: Date(timeIntervalSince1970: Double(1_800_000_000_000 + id) / 1000))
                    let seal = AuditCanonicalForm.seal(
                        draft, link: AuditChainLink(id: Int64(id), previousHash: previous), key: Self.key)
                    try await store.rows(
                        """
                        INSERT INTO audits.audit_log (id, entity, action, payload, signature, prev_hash, ts)
                        VALUES (\(Int64(id)), 'user', 'login.attempted', \(JSONColumn.encode(draft.payload))::jsonb,
                            \(ByteBuffer(bytes: seal.signature)), \(ByteBuffer(bytes: previous)), \(draft.timestamp))
                        """)
                    try await store.rows(
                        """
                        UPDATE tessera.audit_chain_head SET last_id = \(Int64(id)),
                            last_hash = \(ByteBuffer(bytes: seal.entryHash)) WHERE id = 1
                        """)
                    previous = seal.entryHash
                }
                try await store.rows("SELECT setval('audits.audit_log_id_seq', 10)")
            }
            try await PostgresStore.withStore(configuration: configuration) { store in
                _ = try await store.migrate()
                try await Self.appendEntries(3, to: AuditLog(store: store, key: Self.key))
                let report = try await AuditFixture.sealAndVerify(store, key: Self.key)
                #expect(report.sealedEntries == 13)
                let first = try #require(try await store.auditCheckpoints(after: 0, limit: 1).first)
                #expect(first.treeSize == 10)
                try await Self.tamper(store, ["UPDATE audits.audit_log SET prev_hash = sha256(prev_hash) WHERE id = 4"])
                let broken = try await AuditFixture.verifier(store, key: Self.key).verify()
                #expect(broken.firstBreak == AuditBreak(entryID: 4, reason: .badSignature))
            }
        }
    }

    @Test("a draft with a sub-millisecond time, appended straight to the store, is sealed as stored and placed")
    func subMillisecondDraft() async throws {
        // 0.4997 ms past a millisecond: the canonical form would round it down, the stores' microseconds (…123 500)
        // up, so an untruncated draft would be sealed over a time other than the one stored.
        let draft = AuditEntryDraft(
            entity: "user", action: "direct", timestamp: Date(timeIntervalSince1970: 1_800_000_000.123_499_7)
        )
        #expect(AuditCanonicalForm.milliseconds(of: draft.timestamp) == 1_800_000_000_123)
        #expect(draft.timestamp.timeIntervalSince1970 * 1000 - 1_800_000_000_123 < 0.001)
        let check = { (store: any TesseraStore) in
            let entry = try await store.appendAuditEntry(draft) { draft, link in
                AuditCanonicalForm.seal(draft, link: link, key: Self.key)
            }
            #expect(try await AuditFixture.sealAndVerify(store, key: Self.key).firstBreak == nil)
            #expect(try await store.auditLeaf(entryID: entry.id) != nil, "the sequencer refused the entry")
        }
        try await Self.withPostgres { store, _ in try await check(store) }
        try await AuditFixture.withSQLite { store in try await check(store) }
    }

    @Test("SQLite: the same design in one process; tampering is named; --against detects a cut-back database")
    func sqlite() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("audit-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("tessera.sqlite").path
        try await SQLiteStore.withStore(configuration: SQLiteStoreConfiguration(path: path)) { store in
            _ = try await store.migrate()
            let log = AuditLog(store: store, key: Self.key)
            #expect(try await AuditFixture.verifier(store, key: Self.key).verify().sealedEntries == 0)
            try await Self.appendEntries(15, to: log)
            let early = AuditCheckpoint(try #require(try await AuditFixture.sequencer(store, key: Self.key).drain()))
            try await Self.appendEntries(10, to: log)
            let late = AuditCheckpoint(try #require(try await AuditFixture.sequencer(store, key: Self.key).drain()))
            #expect(late.treeSize == 25)
            let intact = try await AuditFixture.verifier(store, key: Self.key, pageSize: 4).verify(against: [
                early, late,
            ])
            #expect(intact.firstBreak == nil && intact.sealedEntries == 25 && intact.checkpoints == 2)

            for trigger in [
                "audit_log_refuse_update", "audit_log_refuse_delete", "audit_sequence_refuse_delete",
                "audit_checkpoints_refuse_delete",
            ] {
                _ = try await store.rows("DROP TRIGGER \(trigger)", [])
            }
            // Cut back to the early checkpoint: the database alone looks fine, the kept line does not.
            _ = try await store.rows("DELETE FROM audits_audit_sequence WHERE seq >= 15", [])
            _ = try await store.rows("DELETE FROM audits_audit_log WHERE id > 15", [])
            _ = try await store.rows("DELETE FROM audits_audit_checkpoints WHERE tree_size > 15", [])
            #expect(try await AuditFixture.verifier(store, key: Self.key).verify().firstBreak == nil)
            let rolledBack = try await AuditFixture.verifier(store, key: Self.key).verify(against: [early, late])
            #expect(rolledBack.firstBreak == AuditBreak(entryID: 15, reason: .truncated))

            _ = try await store.rows("UPDATE audits_audit_log SET action = 'login.forged' WHERE id = 13", [])
            #expect(
                try await AuditFixture.verifier(store, key: Self.key).verify().firstBreak
                    == AuditBreak(entryID: 13, reason: .badSignature))
            _ = try await store.rows("DELETE FROM audits_audit_log WHERE id = 5", [])
            #expect(
                try await AuditFixture.verifier(store, key: Self.key).verify().firstBreak
                    == AuditBreak(entryID: 5, reason: .missing))
        }
    }
}

extension AuditCheckpointKey {
    /// Signs arbitrary bytes (the checkpoint-line test).
    func signForTests(_ message: [UInt8]) throws -> [UInt8] { try self.sign(message) }
}
