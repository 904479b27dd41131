import Foundation
import Synchronization
import TesseraAudit
import TesseraCrypto
import TesseraKeyring
import TesseraStore
import Testing

/// The server-driven rewrap: one persistent, leased job that any process can run, pause and resume.
@Suite("Keyring: the persistent, leased rewrap", .timeLimit(.minutes(5)))
struct RewrapJobTests {
    /// Stores `count` provider keys sealed under the active version; returns their plaintexts by row id.
    static func seedProviderKeys(_ count: Int, manager: KeyringManager, store: any TesseraStore) async throws
        -> [UUID: [UInt8]]
    {
        var plaintexts: [UUID: [UInt8]] = [:]
        for index in 0..<count {
            let user = makeUser()
            try await store.createUser(user)
            let plaintext = Array("sk-\(index)-\(UUID())".utf8)
            let sealed = try manager.cipher.seal(
                plaintext, context: try ProviderKeyContext.make(userID: user.id, providerType: "openai")
            )
            let record = ProviderKeyRecord(
                userID: user.id, providerName: "openai", providerType: "openai",
                encryptedAPIKey: sealed.payload.serialized, encryptedDEK: sealed.wrappedKey.serialized,
                keyLast4Chars: "abcd", createdAt: Date()
            )
            try await store.createProviderKey(record)
            _ = try await store.adjustDEKCount(version: Int(sealed.wrappedKey.masterKeyVersion), delta: 1)
            plaintexts[record.id] = plaintext
        }
        return plaintexts
    }

    /// Every seeded key opens and is under `version`.
    static func expectAllOpen(_ plaintexts: [UUID: [UInt8]], under version: UInt32, manager: KeyringManager)
        async throws
    {
        let keys = try await manager.store.providerDEKs(.notPrefixed([0xFF]), after: nil, limit: 10_000)
        #expect(keys.count == plaintexts.count)
        for reference in keys {
            let wrapped = try WrappedKey(serialized: reference.encryptedDEK)
            #expect(wrapped.masterKeyVersion == version)
            let stored = try #require(
                try await manager.store.providerKey(userID: reference.userID, providerType: reference.providerType))
            let opened = try manager.cipher.open(
                wrappedKey: wrapped, payload: try SealedPayload(serialized: stored.encryptedAPIKey),
                context: try ProviderKeyContext.make(userID: reference.userID, providerType: reference.providerType)
            )
            #expect(opened.withUnsafeBytes { Array($0) } == plaintexts[reference.id])
        }
    }

    @Test(
        "start twice is refused with nothing changed; pause, resume, run to the end, retire",
        arguments: Backend.allCases)
    func startPauseResume(backend: Backend) async throws {
        try await backend.withDatabase { location in
            try await Backend.withStore(at: location) { store in
                let root = RootKey.generate()
                let manager = try await KeyringManager.start(
                    store: store, rootKey: root, audit: AuditLog(store: store, key: AuditSigningKey(rootKey: root))
                )
                let plaintexts = try await Self.seedProviderKeys(23, manager: manager, store: store)
                try await manager.rotate()
                let started = try await manager.startRewrap(batchSize: 5, requestedBy: "ops")
                #expect(started.state == .running && started.total == 23 && started.targetVersion == 2)

                await expectKeyringError(.rewrapRunning) { try await manager.startRewrap(requestedBy: "ops") }
                let unchanged = try #require(try await store.rewrapJob())
                #expect(
                    unchanged.state == .running && unchanged.processed == 0 && unchanged.total == 23
                        && unchanged.batchSize == 5 && unchanged.owner == nil,
                    "a refused start changes nothing"
                )

                // One process runs two batches; then the operator pauses; nobody may run it.
                let partial = try #require(try await manager.runRewrapJob(owner: "replica-a", maxBatches: 2))
                #expect(partial.state == .paused && partial.rewrapped == 10)
                #expect(try await manager.runRewrapJob(owner: "replica-b") == nil)
                await expectKeyringError(.rewrapNotRunning) { try await manager.pauseRewrap(requestedBy: "ops") }
                await expectKeyringError(.versionInUse) { try await manager.retire(version: 1) }

                // Resumed: another process takes it and finishes where the first stopped.
                let resumed = try await manager.startRewrap(requestedBy: "ops")
                #expect(resumed.state == .running && resumed.processed == 10)
                let done = try #require(try await manager.runRewrapJob(owner: "replica-b"))
                #expect(done.state == .finished && done.rewrapped == 23 && done.failed == 0 && done.skipped == 0)
                #expect(try await store.masterKeyVersions().map(\.dekCount) == [0, 23])
                try await Self.expectAllOpen(plaintexts, under: 2, manager: manager)
                try await manager.retire(version: 1)

                let actions = try await store.auditEntries(after: 0, limit: 1000).map(\.action)
                for action in ["keyring.rewrap_started", "keyring.rewrap_resumed", "keyring.rewrapped"] {
                    #expect(actions.contains(action), "\(action) is not audited")
                }
            }
        }
    }

    @Test(
        "a process that dies holding the lease is taken over once it expires, not before", arguments: Backend.allCases)
    func leaseTakeover(backend: Backend) async throws {
        try await backend.withDatabase { location in
            try await Backend.withStore(at: location) { store in
                let manager = try await KeyringManager.start(store: store, rootKey: .generate())
                let plaintexts = try await Self.seedProviderKeys(12, manager: manager, store: store)
                try await manager.rotate()
                try await manager.startRewrap(batchSize: 4, requestedBy: "ops")
                // "replica-a" claims it and does one batch, then dies: its lease (1 s) is left behind.
                let claimed = try #require(
                    try await store.claimRewrapJob(owner: "replica-a", now: Date(), leaseUntil: Date() + 1)
                )
                #expect(claimed.owner == "replica-a")
                #expect(try await store.claimRewrapJob(owner: "replica-b", now: Date(), leaseUntil: Date() + 30) == nil)
                await expectKeyringError(.rewrapRunning) { try await manager.rewrap() }
                try await Task.sleep(for: .milliseconds(1_100))
                let done = try #require(try await manager.runRewrapJob(owner: "replica-b"))
                #expect(done.state == .finished && done.rewrapped == 12)
                try await Self.expectAllOpen(plaintexts, under: 2, manager: manager)
                try await manager.retire(version: 1)
            }
        }
    }

    @Test(
        "rewrapOrFollow follows a rewrap another process holds to its end, and takes over one whose process died",
        arguments: Backend.allCases)
    func followOrTakeOver(backend: Backend) async throws {
        try await backend.withDatabase { location in
            try await Backend.withStore(at: location) { store in
                let root = RootKey.generate()
                let manager = try await KeyringManager.start(store: store, rootKey: root)
                let plaintexts = try await Self.seedProviderKeys(12, manager: manager, store: store)
                try await manager.rotate()
                // A replica runs the rewrap slowly (6 batches, 150 ms apart); the operator's rewrap follows it.
                let replica = try await KeyringManager.start(store: store, rootKey: root)
                try await manager.startRewrap(batchSize: 2, pause: .milliseconds(150), requestedBy: "ops")
                let running = Task { try await replica.runRewrapJob(owner: "replica-a", lease: .seconds(30)) }
                let deadline = ContinuousClock.now + .seconds(30)
                while try await store.rewrapJob()?.owner != "replica-a", ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(10))
                }
                let reads = Counter()
                let followed = try await manager.rewrapOrFollow(
                    followEvery: .milliseconds(50), progress: { _ in Issue.record("this process ran a batch") },
                    following: { job in
                        #expect(job.owner == "replica-a" && job.state == .running)
                        reads.increment()
                    }
                )
                guard case .followed(let job) = followed else {
                    Issue.record("ran the rewrap instead of following it: \(followed)")
                    return
                }
                #expect(job.state == .finished && job.rewrapped == 12 && job.targetVersion == 2)
                #expect(reads.value >= 2, "followed with \(reads.value) reads")
                #expect(try await running.value?.state == .finished)
                try await Self.expectAllOpen(plaintexts, under: 2, manager: manager)

                // A process claims the next rewrap and dies holding a 1 s lease: followed, then taken over.
                try await manager.rotate()
                try await manager.startRewrap(batchSize: 4, requestedBy: "ops")
                _ = try #require(
                    try await store.claimRewrapJob(owner: "replica-b", now: Date(), leaseUntil: Date() + 1)
                )
                let started = ContinuousClock.now
                let takenOver = try await manager.rewrapOrFollow(followEvery: .milliseconds(50))
                guard case .ran(let progress) = takenOver else {
                    Issue.record("did not take the rewrap over: \(takenOver)")
                    return
                }
                #expect(ContinuousClock.now - started >= .milliseconds(500), "taken over before the lease expired")
                #expect(progress.finished && progress.rewrapped == 12 && progress.targetVersion == 3)
                try await Self.expectAllOpen(plaintexts, under: 3, manager: manager)
                #expect(try await store.masterKeyVersions().map(\.dekCount) == [0, 0, 12])
            }
        }
    }

    @Test("a rotation during a rewrap moves its target to the new version", arguments: [Backend.sqlite])
    func rotationDuringRewrap(backend: Backend) async throws {
        try await backend.withDatabase { location in
            try await Backend.withStore(at: location) { store in
                let manager = try await KeyringManager.start(store: store, rootKey: .generate())
                let plaintexts = try await Self.seedProviderKeys(9, manager: manager, store: store)
                try await manager.rotate()
                try await manager.startRewrap(batchSize: 4, requestedBy: "ops")
                _ = try await manager.runRewrapJob(owner: "a", maxBatches: 1)
                try await manager.rotate()
                try await manager.startRewrap(requestedBy: "ops")
                let done = try #require(try await manager.runRewrapJob(owner: "a"))
                #expect(done.state == .finished && done.targetVersion == 3)
                try await Self.expectAllOpen(plaintexts, under: 3, manager: manager)
                #expect(try await store.masterKeyVersions().map(\.dekCount) == [0, 0, 9])
            }
        }
    }

    @Test(
        "wraps are counted per version, flushed to the store, and past the threshold warn", arguments: Backend.allCases)
    func wrapCounts(backend: Backend) async throws {
        try await backend.withDatabase { location in
            try await Backend.withStore(at: location) { store in
                let root = RootKey.generate()
                let manager = try await KeyringManager.start(store: store, rootKey: root)
                manager.configureUsage(KeyringUsagePolicy(warnAfterWraps: 10))
                for _ in 0..<7 {
                    _ = try manager.cipher.seal(Array("x".utf8), context: try EncryptionContext(entries: [("a", "b")]))
                }
                #expect(manager.currentUsage().activeWraps == 7)
                #expect(manager.currentUsage().warning == nil)
                try await manager.flushUsage()
                #expect(try await store.masterKeyVersions().map(\.wrapCount) == [7])
                for _ in 0..<3 {
                    _ = try manager.cipher.seal(Array("x".utf8), context: try EncryptionContext(entries: [("a", "b")]))
                }
                // A second process sharing the store adds its own counts.
                let other = try await KeyringManager.start(store: store, rootKey: root)
                _ = try other.cipher.seal(Array("y".utf8), context: try EncryptionContext(entries: [("a", "b")]))
                try await other.flushUsage()
                try await manager.flushUsage()
                #expect(try await store.masterKeyVersions().map(\.wrapCount) == [11])
                let usage = manager.currentUsage()
                #expect(usage.activeWraps == 11 && usage.isOverWarning)
                #expect(usage.warning?.contains("version 1 has wrapped 11 data keys") == true)
            }
        }
    }

    @Test("the usage policy rotates once past its count; a second process deciding at once does not rotate again")
    func automaticRotation() async throws {
        try await Backend.sqlite.withDatabase { location in
            try await Backend.withStore(at: location) { store in
                let root = RootKey.generate()
                let manager = try await KeyringManager.start(store: store, rootKey: root)
                let other = try await KeyringManager.start(store: store, rootKey: root)
                for keyring in [manager, other] {
                    keyring.configureUsage(KeyringUsagePolicy(warnAfterWraps: 2, rotateAfterWraps: 3))
                }
                for _ in 0..<3 {
                    _ = try manager.cipher.seal(Array("x".utf8), context: try EncryptionContext(entries: [("a", "b")]))
                }
                #expect(try await other.checkUsage() == nil)
                #expect(try await manager.checkUsage() == 2)
                // Both had seen version 1 over its limit; only one version was added.
                #expect(try await other.rotate(replacing: 1) == nil)
                #expect(try await store.masterKeyVersions().map(\.version) == [1, 2])
            }
        }
    }
}

/// A count shared with `@Sendable` callbacks.
private final class Counter: Sendable {
    private let count = Mutex(0)

    var value: Int { count.withLock { $0 } }

    func increment() { count.withLock { $0 += 1 } }
}
