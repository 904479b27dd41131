import Foundation
import TesseraAudit
import TesseraCrypto
import TesseraKeyring
import TesseraStore
import TesseraTestSupport
import Testing

/// The persistent keyring against both backends: bootstrap, reload, a wrong root key, rotation, rewrap, retire.
@Suite("Persistent keyring", .timeLimit(.minutes(5)))
struct KeyringManagerTests {
    @Test(
        "First start creates version 1; a second start with the same root key loads the same keyring",
        arguments: Backend.allCases)
    func bootstrapAndReload(backend: Backend) async throws {
        let root = RootKey.generate()
        try await backend.withDatabase { location in
            let context = try EncryptionContext(["purpose": "test"])
            let sealed = try await Backend.withStore(at: location) { store in
                let manager = try await KeyringManager.start(store: store, rootKey: root)
                #expect(manager.cipher.keyring.activeVersion == 1)
                let versions = try await store.masterKeyVersions()
                #expect(versions.map(\.version) == [1])
                #expect(versions.first?.wrappedKey.count == RootKey.wrappedMasterKeyByteCount)
                return try manager.cipher.seal(Array("persisted".utf8), context: context)
            }
            try await Backend.withStore(at: location) { store in
                let manager = try await KeyringManager.start(store: store, rootKey: root)
                #expect(try await store.masterKeyVersions().count == 1)
                let opened = try manager.cipher.open(sealed, context: context)
                #expect(opened.withUnsafeBytes { Array($0) } == Array("persisted".utf8))
            }
        }
    }

    @Test("A wrong root key fails at start with rootKeyMismatch, naming its fingerprint", arguments: Backend.allCases)
    func wrongRootKey(backend: Backend) async throws {
        try await backend.withDatabase { location in
            try await Backend.withStore(at: location) { store in
                _ = try await KeyringManager.start(store: store, rootKey: .generate())
                let wrong = RootKey.generate()
                do {
                    _ = try await KeyringManager.start(store: store, rootKey: wrong)
                    Issue.record("a wrong root key was accepted")
                } catch let error as KeyringError {
                    #expect(error.code == .rootKeyMismatch)
                    #expect(error.message.contains(wrong.fingerprint))
                }
            }
        }
    }

    @Test("Rotate: new seals use the new version, old envelopes still open", arguments: Backend.allCases)
    func rotate(backend: Backend) async throws {
        try await backend.withDatabase { location in
            try await Backend.withStore(at: location) { store in
                let manager = try await KeyringManager.start(store: store, rootKey: .generate())
                let context = try EncryptionContext(["k": "v"])
                let old = try manager.cipher.seal(Array("old".utf8), context: context)
                let revision = try await store.keyringRevision()
                #expect(try await manager.rotate() == 2)
                #expect(try await store.keyringRevision() > revision)
                let new = try manager.cipher.seal(Array("new".utf8), context: context)
                #expect(old.wrappedKey.masterKeyVersion == 1)
                #expect(new.wrappedKey.masterKeyVersion == 2)
                #expect(try manager.cipher.open(old, context: context).count == 3)
                let states = try await store.masterKeyVersions().map(\.state)
                #expect(states == [.decryptOnly, .active])
            }
        }
    }

    @Test(
        "Another replica's rotation is seen by refreshIfChanged and by the poll loop, without restart",
        arguments: Backend.allCases)
    func secondConnectionRotation(backend: Backend) async throws {
        let root = RootKey.generate()
        try await backend.withDatabase { location in
            try await Backend.withStore(at: location) { first in
                let manager = try await KeyringManager.start(store: first, rootKey: root)
                #expect(try await manager.refreshIfChanged() == false)
                // An independent store (its own pool / connection) and manager, as another replica would have.
                try await Backend.withStore(at: location) { second in
                    let other = try await KeyringManager.start(store: second, rootKey: root)
                    try await other.rotate()
                }
                let poller = Task { await manager.run(pollInterval: .milliseconds(50)) }
                defer { poller.cancel() }
                try await waitUntil { manager.cipher.keyring.activeVersion == 2 }
                #expect(manager.cipher.keyring.activeVersion == 2)
            }
        }
    }

    @Test(
        "A second PROCESS (the tessera executable) rotating the keyring is seen by the first without restart",
        arguments: Backend.allCases)
    func secondProcessRotation(backend: Backend) async throws {
        let executable = packageRoot.appendingPathComponent(".build/debug/tessera").path
        try #require(
            FileManager.default.isExecutableFile(atPath: executable),
            "build the tessera executable first (swift build)"
        )
        let root = RootKey.generate()
        try await backend.withDatabase { location in
            try await Backend.withStore(at: location) { store in
                let manager = try await KeyringManager.start(store: store, rootKey: root)
                let poller = Task { await manager.run(pollInterval: .milliseconds(50)) }
                defer { poller.cancel() }
                let output = try await runTessera(
                    executable, ["keys", "rotate"] + location.cliArguments,
                    environment: [RootKey.environmentVariable: root.base64EncodedKey()]
                )
                #expect(output.status == 0, "\(output.standardError)")
                #expect(output.standardOutput.contains("master key version 2 is now active"))
                try await waitUntil { manager.cipher.keyring.activeVersion == 2 }
                let sealed = try manager.cipher.seal(Array("x".utf8), context: .empty)
                #expect(sealed.wrappedKey.masterKeyVersion == 2)
            }
        }
    }

    @Test(
        "Rewrap moves every DEK, leaves the sealed API keys byte for byte, resumes after a stop, keeps counts",
        arguments: Backend.allCases)
    func rewrapAndRetire(backend: Backend) async throws {
        let root = RootKey.generate()
        try await backend.withDatabase { location in
            try await Backend.withStore(at: location) { store in
                let audit = AuditLog(store: store, key: AuditSigningKey(rootKey: root))
                let manager = try await KeyringManager.start(store: store, rootKey: root, audit: audit)
                var originals: [UUID: (record: ProviderKeyRecord, plaintext: [UInt8])] = [:]
                for index in 0..<12 {
                    let user = makeUser()
                    try await store.createUser(user)
                    let plaintext = Array("sk-test-\(index)-\(UUID().uuidString)".utf8)
                    let type = index.isMultiple(of: 2) ? "openai" : "anthropic"
                    let sealed = try manager.cipher.seal(
                        plaintext, context: try ProviderKeyContext.make(userID: user.id, providerType: type)
                    )
                    let record = ProviderKeyRecord(
                        userID: user.id, providerName: type, providerType: type,
                        encryptedAPIKey: sealed.payload.serialized, encryptedDEK: sealed.wrappedKey.serialized,
                        keyLast4Chars: "abcd", createdAt: Date(timeIntervalSince1970: 1_800_000_000)
                    )
                    try await store.createProviderKey(record)
                    _ = try await store.adjustDEKCount(version: 1, delta: 1)
                    originals[record.id] = (record, plaintext)
                }
                try await manager.rotate()

                // Version 1 is still referenced: retiring it is refused; the active version is always refused.
                await expectKeyringError(.versionInUse) { try await manager.retire(version: 1) }
                await expectKeyringError(.activeVersion) { try await manager.retire(version: 2) }
                await expectKeyringError(.unknownVersion) { try await manager.retire(version: 9) }

                // Interrupted run: two batches of 5, then stop.
                let partial = try await manager.rewrap(batchSize: 5, maxBatches: 2)
                #expect(!partial.finished)
                #expect(partial.total == 12)
                #expect(partial.rewrapped == 10)
                var counts = try await store.masterKeyVersions().map(\.dekCount)
                #expect(counts == [2, 10])
                #expect(try await manager.status().versions.map(\.providerKeys) == [2, 10])

                // Resume: only what is left.
                let rest = try await manager.rewrap(batchSize: 5)
                #expect(rest.finished)
                #expect(rest.total == 2)
                #expect(rest.rewrapped == 2)
                #expect(rest.failed == 0)
                counts = try await store.masterKeyVersions().map(\.dekCount)
                #expect(counts == [0, 12])

                for (id, original) in originals {
                    let stored = try #require(
                        try await store.providerKey(
                            userID: original.record.userID, providerType: original.record.providerType)
                    )
                    #expect(stored.id == id)
                    #expect(stored.encryptedAPIKey == original.record.encryptedAPIKey)
                    #expect(stored.encryptedDEK != original.record.encryptedDEK)
                    let wrapped = try WrappedKey(serialized: stored.encryptedDEK)
                    #expect(wrapped.masterKeyVersion == 2)
                    let opened = try manager.cipher.open(
                        wrappedKey: wrapped, payload: try SealedPayload(serialized: stored.encryptedAPIKey),
                        context: try ProviderKeyContext.make(userID: stored.userID, providerType: stored.providerType)
                    )
                    #expect(opened.withUnsafeBytes { Array($0) } == original.plaintext)
                }

                // Nothing references version 1 any more: it can be retired, and its material is gone.
                try await manager.retire(version: 1)
                #expect(try await store.masterKeyVersions().map(\.state) == [.retired, .active])
                #expect(manager.cipher.keyring.key(version: 1)?.material.isEmpty == true)
                try await manager.retire(version: 1)  // idempotent

                // The operations are in the audit log, which verifies once the sequencer has placed it.
                let entries = try await store.auditEntries(after: 0, limit: 100)
                #expect(entries.map(\.action).contains("keyring.rotated"))
                #expect(entries.filter { $0.action == "keyring.rewrapped" }.count == 2)
                #expect(entries.filter { $0.action == "keyring.retired" }.count >= 2)
                let auditKey = AuditSigningKey(rootKey: root)
                let checkpointKey = AuditCheckpointKey(rootKey: root)
                try await AuditSequencer(store: store, key: auditKey, checkpointKey: checkpointKey).drain()
                let verification = try await AuditVerifier(
                    store: store, key: auditKey, publicKey: checkpointKey.publicKey
                ).verify()
                #expect(verification.firstBreak == nil)
                #expect(verification.sealedEntries == Int64(entries.count))

                // A fresh start after retirement loads without unwrapping the retired version.
                let again = try await KeyringManager.start(store: store, rootKey: root)
                #expect(again.cipher.keyring.activeVersion == 2)
            }
        }
    }

    @Test(
        "Rewrap counts a data key that does not open as failed, leaves it, and retirement stays refused",
        arguments: [Backend.sqlite])
    func rewrapEdgeCases(backend: Backend) async throws {
        let root = RootKey.generate()
        try await backend.withDatabase { location in
            try await Backend.withStore(at: location) { store in
                let manager = try await KeyringManager.start(store: store, rootKey: root)
                let user = makeUser()
                try await store.createUser(user)
                let sealed = try manager.cipher.seal(
                    Array("sk".utf8), context: try ProviderKeyContext.make(userID: user.id, providerType: "wrong-type")
                )
                // Sealed under a different context than the row's: its DEK cannot be re-wrapped.
                try await store.createProviderKey(
                    ProviderKeyRecord(
                        userID: user.id, providerName: "x", providerType: "openai",
                        encryptedAPIKey: sealed.payload.serialized, encryptedDEK: sealed.wrappedKey.serialized,
                        keyLast4Chars: "abcd", createdAt: Date()
                    )
                )
                try await manager.rotate()
                let report = try await manager.rewrap()
                #expect(report.failed == 1)
                #expect(report.rewrapped == 0)
                await expectKeyringError(.versionInUse) { try await manager.retire(version: 1) }
                let row = try #require(try await store.providerKey(userID: user.id, providerType: "openai"))
                #expect(row.encryptedDEK == sealed.wrappedKey.serialized)
            }
        }
    }
}

/// Polls `condition` every 20 ms for up to 60 s (generous: other suites load the CI machine's two cores).
func waitUntil(_ condition: @Sendable () -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(60)
    while !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("condition not met within 60 s")
            return
        }
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// Runs the `tessera` executable to completion from the package root with extra environment variables.
func runTessera(
    _ executable: String, _ arguments: [String], environment: [String: String]
) async throws -> ChildProcess.Outcome {
    // Without any database URL or Tessera setting of ours: the child only touches the database on its command line.
    let clean = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("TESSERA_") && $0.key != "DATABASE_URL" }
    return try await ChildProcess.run(
        executable, arguments, environment: clean.merging(environment) { $1 }, inheriting: false,
        directory: packageRoot.path
    )
}
