import Foundation
import Synchronization
import TesseraClient
import TesseraCrypto
import TesseraKeyring
import TesseraStore
import TesseraStorePostgres
import TesseraTestSupport
import TesseraWire
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Key management across replicas: two `tessera serve` processes on one throwaway PostgreSQL, driven through the
/// Admin service (`tessera keys … --server` and the client library), while they serve Seal/Open load.
@Suite(
    "End to end: key rotation and rewrap across two tessera serve processes on one PostgreSQL",
    .enabled(if: tesseraExecutable != nil, "the tessera executable is built beside the tests"),
    .timeLimit(.minutes(10))
)
struct ReplicaKeyringTests {
    /// The replicas' keyring poll interval.
    let pollSeconds = 1.0

    @Test("a rotation through one replica is used by both for new seals within the poll interval, no restart")
    func rotationReachesBoth() async throws {
        try await withReplicas { replicas in
            let before = try SealedEnvelope(serialized: try await replicas.app[1].seal(Array("x".utf8)))
            #expect(before.masterKeyVersion == 1)
            let started = ContinuousClock.now
            let version = try await replicas.admin[0].rotateMasterKey()
            // The version is committed before the reply: from here on every replica must pick it up.
            let committed = ContinuousClock.now
            #expect(version == 2)
            // The rotating replica reloads as part of the rotation: its next seal already uses the new version.
            let next = try SealedEnvelope(serialized: try await replicas.app[0].seal(Array("x".utf8)))
            #expect(next.masterKeyVersion == 2)
            var seen: Duration?
            while seen == nil && ContinuousClock.now < committed + .seconds(30) {
                let sealed = try SealedEnvelope(serialized: try await replicas.app[1].seal(Array("x".utf8)))
                if sealed.masterKeyVersion == 2 { seen = ContinuousClock.now - committed }
                try await Task.sleep(for: .milliseconds(20))
            }
            let other = try #require(seen, "the other replica never sealed under the new version")
            print(
                "rotation: the Admin call took \(committed - started); the other replica sealed under the new version "
                    + "\(other) after it returned (poll interval \(pollSeconds) s)"
            )
            // The guarantee is the first poll after the commit: one interval, plus however long that poll's read
            // and reload take. On an idle machine the figure printed above is about one interval; in the full suite
            // on two shared cores it has been seen at 2.3 s and once at 6.2 s (CI, every end-to-end suite at once), so
            // the bound only tells "picked up by polling" from "never, or only by a restart"; the printed figure is the
            // measurement.
            #expect(other <= .seconds(pollSeconds) + .seconds(15))
            // A caller granted only Admin/* reads the status but may not rotate.
            let viewer = try client(port: replicas.servers[0].port ?? 0, token: replicas.viewerToken)
            #expect(try await viewer.keyringStatus().activeVersion == 2)
            await #expect(throws: TesseraClientError.self) { try await viewer.rotateMasterKey() }
            await viewer.shutdown()
        }
    }

    @Test("a rewrap through tessera keys --server while both replicas serve Seal/Open: zero failed calls, then retire")
    func rewrapUnderLoad() async throws {
        try await withReplicas { replicas in
            let plaintexts = try await withKeyring(replicas) { try await seed(400, keyring: $0) }
            let env = environment(replicas.root).merging(["TESSERA_CREDENTIAL": replicas.adminToken]) { $1 }
            let server = ["--server", "--port", String(replicas.servers[1].port ?? 0)]
            let stop = StopFlag()
            async let counts = load(replicas.app, stop: stop)
            try await Task.sleep(for: .milliseconds(500))
            let rotate = try await tessera(["keys", "rotate"] + server, environment: env)
            #expect(rotate.status == 0, "\(rotate.standardError)")
            try await Task.sleep(for: .seconds(pollSeconds * 2))
            let rewrap = try await tessera(
                ["keys", "rewrap", "--batch-size", "50", "--pause-ms", "20"] + server, environment: env)
            #expect(rewrap.status == 0, "\(rewrap.standardError)")
            #expect(rewrap.standardOutput.contains("rewrapped 400 data keys to version 2"), "\(rewrap.standardOutput)")
            // Not a terminal: plain progress lines with the rate.
            #expect(rewrap.standardError.contains("rewrap: "))
            // A finished rewrap may be started again (it finds nothing left to do).
            let again = try await tessera(["keys", "rewrap", "--detach"] + server, environment: env)
            #expect(again.status == 0, "\(again.standardError)")
            try await Task.sleep(for: .seconds(1))
            stop.set()
            let (calls, failures) = await counts
            print("Seal/Open calls during the rewrap: \(calls), failed: \(failures)")
            #expect(calls > 100)
            #expect(failures == 0)

            let retireActive = try await tessera(["keys", "retire", "2"] + server, environment: env)
            #expect(retireActive.status != 0)
            #expect(retireActive.standardError.split(separator: "\n").count == 1)
            #expect(retireActive.standardError.contains("active version"))
            let retire = try await tessera(["keys", "retire", "1"] + server, environment: env)
            #expect(retire.status == 0, "\(retire.standardError)")
            let status = try await tessera(["keys", "status"] + server, environment: env)
            #expect(status.standardOutput.contains("retired"), "\(status.standardOutput)")
            try await withKeyring(replicas) { try await expectAllOpen(plaintexts, under: 2, keyring: $0) }

            // Every Admin call is in the audit chain with the caller's id.
            let entries = try await withKeyring(replicas) { try await $0.store.auditEntries(after: 0, limit: 10_000) }
            let admin = entries.filter { $0.entity == "admin" }
            #expect(admin.contains { $0.action == "admin.rotate" && $0.payload["caller"] == "ops-admin" })
            #expect(admin.contains { $0.action == "admin.retire" && $0.payload["outcome"] == "refused" })
            #expect(admin.contains { $0.action == "admin.rewrap_start" })
        }
    }

    @Test("tessera keys rewrap against the store while a replica runs the rewrap: it follows it to its end, exit 0")
    func directRewrapFollowsReplica() async throws {
        try await withReplicas { replicas in
            let plaintexts = try await withKeyring(replicas) { try await seed(200, keyring: $0) }
            _ = try await replicas.admin[0].rotateMasterKey()
            try await Task.sleep(for: .seconds(pollSeconds * 2))
            // A slow rewrap (10 batches, 300 ms apart) that a replica picks up.
            _ = try await replicas.admin[0].startRewrap(batchSize: 20, pauseMilliseconds: 300)
            var running = try await replicas.admin[0].rewrapStatus()
            let deadline = ContinuousClock.now + .seconds(60)
            while running.owner.isEmpty && running.state == .running && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
                running = try await replicas.admin[0].rewrapStatus()
            }
            try #require(running.state == .running && !running.owner.isEmpty, "no replica took the rewrap")
            let direct = try await tessera(
                ["keys", "rewrap", "--database-url", replicas.url], environment: environment(replicas.root))
            #expect(direct.status == 0, "\(direct.standardError)")
            #expect(
                direct.standardError.contains("is already running on \(running.owner); following it"),
                "\(direct.standardError)")
            #expect(
                direct.standardOutput.contains("rewrapped 200 data keys to version 2"), "\(direct.standardOutput)")
            // The replica did the work: the rewrap is still the one it held, finished.
            let finished = try await replicas.admin[0].rewrapStatus()
            #expect(finished.state == .finished && finished.rewrapped == 200 && finished.batchSize == 20)
            try await withKeyring(replicas) { try await expectAllOpen(plaintexts, under: 2, keyring: $0) }
        }
    }

    @Test("kill -9 of the replica running the rewrap: the other takes it over; every secret opens, v1 retires")
    func rewrapSurvivesKill() async throws {
        try await withReplicas { replicas in
            let plaintexts = try await withKeyring(replicas) { try await seed(600, keyring: $0) }
            _ = try await replicas.admin[0].rotateMasterKey()
            try await Task.sleep(for: .seconds(pollSeconds * 2))
            _ = try await replicas.admin[0].startRewrap(batchSize: 20, pauseMilliseconds: 100)
            // Wait until a replica holds it and has done some batches.
            var running = try await replicas.admin[0].rewrapStatus()
            let deadline = ContinuousClock.now + .seconds(60)
            while (running.owner.isEmpty || running.processed < 60) && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                running = try await replicas.admin[0].rewrapStatus()
            }
            try #require(running.state == .running && !running.owner.isEmpty, "no replica took the rewrap")
            // Started twice, or a retire of the still referenced version: one line, non-zero, nothing changed.
            let env = environment(replicas.root).merging(["TESSERA_CREDENTIAL": replicas.adminToken]) { $1 }
            let server = ["--server", "--port", String(replicas.servers[0].port ?? 0)]
            let twice = try await tessera(["keys", "rewrap", "--detach"] + server, environment: env)
            #expect(twice.status != 0)
            #expect(twice.standardError.split(separator: "\n").count == 1, "\(twice.standardError)")
            #expect(twice.standardError.contains("already running"), "\(twice.standardError)")
            let retireInUse = try await tessera(["keys", "retire", "1"] + server, environment: env)
            #expect(retireInUse.status != 0)
            #expect(retireInUse.standardError.split(separator: "\n").count == 1)
            #expect(retireInUse.standardError.contains("still wraps"), "\(retireInUse.standardError)")
            #expect(try await replicas.admin[0].keyringStatus().versions.map(\.state) == [.decryptOnly, .active])
            let victim = try #require(
                replicas.servers.firstIndex { running.owner.contains(":\($0.process.pid):") },
                "the owner \(running.owner) is neither replica"
            )
            replicas.servers[victim].process.signal(SIGKILL)
            _ = try await replicas.servers[victim].process.exitStatus()
            let killedAt = ContinuousClock.now
            let survivor = replicas.admin[1 - victim]
            var status = try await survivor.rewrapStatus()
            while status.state == .running && ContinuousClock.now < killedAt + .seconds(120) {
                try await Task.sleep(for: .milliseconds(200))
                status = try await survivor.rewrapStatus()
            }
            print("rewrap finished \(ContinuousClock.now - killedAt) after the kill -9 of its replica")
            #expect(status.state == .finished)
            #expect(status.failed == 0)
            try await withKeyring(replicas) { keyring in
                try await expectAllOpen(plaintexts, under: 2, keyring: keyring)
                #expect(try await keyring.store.masterKeyVersions().map(\.dekCount) == [0, 600])
            }
            try await survivor.retireMasterKey(version: 1)
            #expect(try await survivor.keyringStatus().versions.first?.state == .retired)
        }
    }

    @Test("the keyring poll survives a PostgreSQL restart: NOT_SERVING while it is away, SERVING again by itself")
    func pollSurvivesPostgresRestart() async throws {
        let cluster = try await TestPostgresCluster.start()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-pgrestart-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let root = RootKey.generate()
        let migrated = try await tessera(["migrate", "--database-url", cluster.url], environment: environment(root))
        try #require(migrated.status == 0, "migrate: \(migrated.standardError)")
        let token = try await addCaller("ops-admin", allow: ["*"], directory: directory, root: root)
        let server = try await startServer(0, in: directory, url: cluster.url, root: root)
        defer { if !server.process.hasExited { server.process.signal(SIGKILL) } }
        let port = try #require(server.port, "serve did not start: \(server.logText)")
        let admin = try client(port: port, token: token)
        #expect(try await admin.health().isServing)

        // The throwaway cluster runs with synchronous_commit=off and the stop is a crash (-m immediate): the
        // keyring's bootstrap, committed a moment ago, could still be in WAL buffers and be lost, and this test is
        // about the server, not PostgreSQL's durability settings. CHECKPOINT writes it out first.
        try await cluster.run("psql", ["-d", cluster.url, "-c", "CHECKPOINT"])
        try await cluster.stop()
        let stopped = ContinuousClock.now
        var report = try await admin.health()
        while report.isServing && ContinuousClock.now < stopped + .seconds(60) {
            try await Task.sleep(for: .milliseconds(200))
            report = try await admin.health()
        }
        print("NOT_SERVING \(ContinuousClock.now - stopped) after PostgreSQL stopped")
        #expect(!report.isServing)
        #expect(report.components.contains { $0.name == "store" && !$0.isServing })

        try await cluster.startServer()
        let restarted = ContinuousClock.now
        while !report.isServing && ContinuousClock.now < restarted + .seconds(120) {
            try await Task.sleep(for: .milliseconds(200))
            report = try await admin.health()
        }
        print("SERVING again \(ContinuousClock.now - restarted) after PostgreSQL came back")
        #expect(report.isServing, "\(report)")
        // The poll works again: a rotation through the server is used for new seals.
        #expect(try await admin.rotateMasterKey() == 2)
        let sealed = try SealedEnvelope(serialized: try await admin.seal(Array("x".utf8)))
        #expect(sealed.masterKeyVersion == 2)
        // The audit sequencer, whose session PostgreSQL ended, leads again: the rotation's entry is checkpointed.
        var summary = try await admin.auditSummary()
        while summary.checkpointedEntries < summary.entries && ContinuousClock.now < restarted + .seconds(120) {
            try await Task.sleep(for: .milliseconds(200))
            summary = try await admin.auditSummary()
        }
        #expect(summary.entries > 0 && summary.checkpointedEntries == summary.entries, "\(summary)")
        #expect(!server.process.hasExited)
        await admin.shutdown()
        server.process.signal(SIGTERM)
        #expect(try await server.process.exitStatus() == 0, "serve: \(server.logText)")
        try await cluster.stop()
    }
}
