import Foundation
import TesseraClient
import TesseraStore
import TesseraStorePostgres
import TesseraTestSupport
import Testing

extension ReplicaKeyringTests {
    /// Every row of `read`, page by page.
    private func all<Row>(_ read: (Int64, Int) async throws -> [Row], key: (Row) -> Int64) async throws -> [Row] {
        var rows: [Row] = []
        var after: Int64 = 0
        while true {
            let page = try await read(after, 5000)
            guard let last = page.last else { return rows }
            rows += page
            after = key(last)
        }
    }

    @Test("two replicas append audited calls for 60 s: every entry checkpointed exactly once, the log verifies")
    func concurrentAppendsForAMinute() async throws {
        try await withReplicas { replicas in
            // Every Admin call is audited on the replica that serves it: 4 callers on each replica, for 60 s, with
            // both replicas' sequencers running (one leads, the other stands by).
            let stop = StopFlag()
            let clients = replicas.admin
            async let outcome: (calls: Int, failures: Int) = withTaskGroup(of: (Int, Int).self) { group in
                for client in clients {
                    for _ in 0..<4 {
                        group.addTask {
                            var calls = 0
                            var failures = 0
                            while !stop.isSet {
                                do { _ = try await client.keyringStatus() } catch { failures += 1 }
                                calls += 1
                            }
                            return (calls, failures)
                        }
                    }
                }
                return await group.reduce(into: (calls: 0, failures: 0)) {
                    $0.calls += $1.0
                    $0.failures += $1.1
                }
            }
            try await Task.sleep(for: .seconds(60))
            stop.set()
            let (calls, failures) = await outcome
            print("60 s of audited calls on two replicas: \(calls) calls, \(failures) failed")
            #expect(failures == 0)
            #expect(calls > 100)

            let configuration = try PostgresStoreConfiguration(url: replicas.url, maximumConnections: 2)
            try await PostgresStore.withStore(configuration: configuration) { store in
                let entries = try await all({ try await store.auditEntries(after: $0, limit: $1) }, key: \.id)
                #expect(entries.filter { $0.action == "admin.keyring_status" }.count == calls - failures)
                // Placed within a few batches of the last commit: wait for the tree to cover every entry.
                let deadline = ContinuousClock.now + .seconds(60)
                while (try await store.latestAuditCheckpoint()?.treeSize ?? 0) < Int64(entries.count),
                    ContinuousClock.now < deadline
                {
                    try await Task.sleep(for: .milliseconds(100))
                }
                var leaves: [AuditSequencedEntry] = []
                while true {
                    let page = try await store.auditSequencedEntries(from: Int64(leaves.count), limit: 5000)
                    guard !page.isEmpty else { break }
                    leaves += page
                }
                let ids = leaves.map(\.leaf.entryID)
                #expect(ids.count == entries.count, "leaves \(ids.count), entries \(entries.count)")
                #expect(Set(ids).count == ids.count, "an entry was placed twice")
                #expect(Set(ids) == Set(entries.map(\.id)), "an entry was skipped")
                #expect(leaves.map(\.leaf.index) == Array(0..<Int64(leaves.count)), "the leaves are not dense")

                // How often checkpoints came while the calls ran (reported, not asserted: a timing on a shared box).
                let checkpoints = try await all(
                    { try await store.auditCheckpoints(after: $0, limit: $1) }, key: \.treeSize
                )
                let gaps = zip(checkpoints.dropFirst(), checkpoints).map {
                    $0.timestampMilliseconds - $1.timestampMilliseconds
                }
                print("\(checkpoints.count) checkpoints; longest gap between two: \(gaps.max() ?? 0) ms")
            }
            let verify = try await tessera(
                ["audit", "verify", "--database-url", replicas.url], environment: environment(replicas.root)
            )
            #expect(verify.status == 0, "\(verify.standardError)")
            #expect(verify.standardOutput.contains(" 0 not yet checkpointed"), "\(verify.standardOutput)")
        }
    }
}
