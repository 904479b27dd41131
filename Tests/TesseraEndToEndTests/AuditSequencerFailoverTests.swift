import Foundation
import TesseraAudit
import TesseraCrypto
import TesseraStore
import TesseraStorePostgres
import TesseraTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Two `tessera serve` processes on one PostgreSQL, each running the audit sequencer: the one holding the lease is
/// killed with SIGKILL while entries keep arriving; the other takes over, and every entry ends up in the tree
/// exactly once.
@Suite(
    "End to end: audit sequencer failover between two tessera serve processes",
    .enabled(if: tesseraExecutable != nil, "the tessera executable is built beside the tests"),
    .timeLimit(.minutes(10))
)
struct AuditSequencerFailoverTests {

    private func startServer(_ index: Int, in directory: URL, url: String) async throws -> (ChildProcess, URL) {
        let log = directory.appendingPathComponent("serve-\(index).log")
        let process = try ChildProcess.start(
            try #require(tesseraExecutable),
            [
                "serve", "--development", "--port", "0", "--no-metrics",
                "--callers", directory.appendingPathComponent("callers.json").path, "--database-url", url,
            ],
            environment: ServeProcessTests.cleanEnvironment, inheriting: false, directory: endToEndPackageRoot.path,
            logFile: log.path
        )
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline && !process.hasExited {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if text.contains("listening") { return (process, log) }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("serve \(index) did not start: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        throw TestSupportError("serve did not start")
    }

    /// Waits until the newest checkpoint covers `size` entries.
    private func waitForTree(_ store: PostgresStore, size: Int64, within: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + within
        while ContinuousClock.now < deadline {
            if (try await store.latestAuditCheckpoint()?.treeSize ?? 0) >= size { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    @Test("kill -9 the sequencing replica mid-traffic: the other continues, nothing lost or duplicated, verify passes")
    func failover() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-failover-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let rootKey = try RootKeyFile(path: endToEndPackageRoot.appendingPathComponent("keys-dev/root-key.dev").path)
            .load().key
        try await TestPostgres.withTemporaryDatabase { url in
            let migrated = try await tessera(["migrate", "--database-url", url])
            try #require(migrated.status == 0, "migrate: \(migrated.standardError)")
            let added = try await tessera(
                [
                    "callers", "add", "audit", "--allow", "*", "--file",
                    directory.appendingPathComponent("callers.json").path,
                ]
            )
            try #require(added.status == 0, "callers add: \(added.standardError)")
            var processes: [ChildProcess] = []
            defer { for process in processes where !process.hasExited { process.signal(SIGKILL) } }
            let (first, firstLog) = try await startServer(0, in: directory, url: url)
            processes.append(first)
            try await PostgresStore.withStore(configuration: try PostgresStoreConfiguration(url: url)) { store in
                let log = AuditLog(store: store, key: AuditSigningKey(rootKey: rootKey))
                for _ in 0..<20 { try await log.append(entity: AuditName("user"), action: AuditName("warm-up")) }
                // The first process leads: it placed the first entries before the second started.
                #expect(try await waitForTree(store, size: 20, within: .seconds(30)))
                let (second, secondLog) = try await startServer(1, in: directory, url: url)
                processes.append(second)

                // Entries keep arriving while the leader is killed.
                let clock = ContinuousClock()
                let stop = clock.now + .seconds(4)
                var appended: Int64 = 20
                var killed = false
                while clock.now < stop {
                    try await log.append(entity: AuditName("user"), action: AuditName("login.succeeded"))
                    appended += 1
                    if !killed && clock.now > stop - .seconds(3) {
                        first.signal(SIGKILL)
                        killed = true
                    }
                }
                _ = try await first.exitStatus()
                let firstText = (try? String(contentsOf: firstLog, encoding: .utf8)) ?? ""
                // The servers append entries of their own (the keyring's), so count what the log holds.
                let entries = try await store.auditEntries(after: 0, limit: Int(appended) + 1000).map(\.id)
                #expect(entries.count >= Int(appended))
                #expect(try await waitForTree(store, size: Int64(entries.count), within: .seconds(30)), "\(firstText)")
                let leaves = try await store.auditSequencedEntries(from: 0, limit: entries.count + 10)
                let ids = leaves.map(\.leaf.entryID)
                #expect(ids.count == entries.count)
                #expect(Set(ids).count == ids.count)
                #expect(Set(ids) == Set(entries))

                let verify = try await tessera(["audit", "verify", "--database-url", url])
                #expect(verify.status == 0, "\(verify.standardError)")
                #expect(verify.standardOutput.contains("\(entries.count) entries under"), "\(verify.standardOutput)")
                #expect(verify.standardOutput.contains(" 0 not yet checkpointed"), "\(verify.standardOutput)")

                // The tree the new leader grew begins with the one the killed leader signed first.
                let earliest = try #require(try await store.auditCheckpoints(after: 0, limit: 1).first)
                let consistency = try await tessera(
                    ["audit", "prove-consistency", String(earliest.treeSize), "--database-url", url]
                )
                #expect(consistency.status == 0, "\(consistency.standardError)")
                let proof = try JSONDecoder().decode(
                    AuditConsistencyProof.self, from: Data(consistency.standardOutput.utf8)
                )
                #expect(proof.first.line == AuditCheckpoint(earliest).line)
                #expect(proof.second.treeSize == Int64(entries.count))
                #expect(
                    AuditMerkleTree.verifyConsistency(
                        oldSize: proof.first.treeSize, newSize: proof.second.treeSize,
                        oldRoot: Array(try #require(Data(base64Encoded: proof.first.rootHash))),
                        newRoot: Array(try #require(Data(base64Encoded: proof.second.rootHash))),
                        proof: try proof.path.map { Array(try #require(Data(base64Encoded: $0))) }
                    )
                )

                second.signal(SIGTERM)
                let secondText = (try? String(contentsOf: secondLog, encoding: .utf8)) ?? ""
                #expect(try await second.exitStatus() == 0, "\(secondText)")
            }
        }
    }
}
