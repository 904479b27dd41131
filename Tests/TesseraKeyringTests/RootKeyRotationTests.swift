import Foundation
import TesseraAudit
import TesseraCrypto
import TesseraKeyring
import TesseraStore
import TesseraTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `rotateRootKey` and `tessera keys rotate-root`: one transaction, repeatable, the old key no longer needed.
@Suite("Root key rotation", .timeLimit(.minutes(5)))
struct RootKeyRotationTests {
    private static func context() throws -> EncryptionContext { try EncryptionContext(["purpose": "root-rotation"]) }

    /// Places every committed entry in the tree under a checkpoint, then verifies the whole log, with the audit keys
    /// derived from `rootKey` (after a root rotation: the resolved key, which carries the first key's base).
    private static func sequenceAndVerify(store: any TesseraStore, rootKey: RootKey) async throws
        -> AuditVerificationReport
    {
        let auditKey = AuditSigningKey(rootKey: rootKey)
        let checkpointKey = AuditCheckpointKey(rootKey: rootKey)
        try await AuditSequencer(store: store, key: auditKey, checkpointKey: checkpointKey).drain()
        return try await AuditVerifier(store: store, key: auditKey, publicKey: checkpointKey.publicKey).verify()
    }

    @Test(
        "Every version moves to the new key; the old key is refused; purpose keys and the audit chain survive",
        arguments: Backend.allCases)
    func rotateAndDropTheOldKey(backend: Backend) async throws {
        let first = RootKey.generate()
        let second = RootKey.generate()
        let third = RootKey.generate()
        try await backend.withDatabase { location in
            try await Backend.withStore(at: location) { store in
                let audit = AuditLog(store: store, key: AuditSigningKey(rootKey: first))
                let manager = try await KeyringManager.start(store: store, rootKey: first, audit: audit)
                let old = try manager.cipher.seal(Array("under v1".utf8), context: try Self.context())
                try await manager.rotate()
                let new = try manager.cipher.seal(Array("under v2".utf8), context: try Self.context())
                let auditKey = first.derivedKey(purpose: AuditSigningKey.purpose)

                let outcome = try await KeyringManager.rotateRootKey(
                    store: store, from: first, to: second, audit: audit
                )
                #expect(outcome == .rotated(versions: 2))
                #expect(try await store.rootKeyRecord()?.fingerprint == second.fingerprint)

                // The old key no longer opens anything, and says which key does.
                do {
                    _ = try await KeyringManager.start(store: store, rootKey: first)
                    Issue.record("the old root key was accepted after the rotation")
                } catch let error as KeyringError {
                    #expect(error.code == .rootKeyMismatch)
                    #expect(error.message.contains(second.fingerprint))
                }
                // A repeat needs no old key and changes nothing.
                let revision = try await store.keyringRevision()
                #expect(try await KeyringManager.rotateRootKey(store: store, from: nil, to: second) == .alreadyRotated)
                #expect(try await store.keyringRevision() == revision)

                // The new key alone: every envelope opens, the purpose keys are the first key's, the chain verifies.
                let resolved = try await KeyringManager.resolveRootKey(second, store: store)
                #expect(resolved.derivedKey(purpose: AuditSigningKey.purpose) == auditKey)
                let reopened = try await KeyringManager.start(store: store, rootKey: second)
                for sealed in [old, new] {
                    #expect((try? reopened.cipher.open(sealed, context: try Self.context())) != nil)
                }
                let verdict = try await Self.sequenceAndVerify(store: store, rootKey: resolved)
                #expect(verdict.firstBreak == nil && verdict.sealedEntries == 3)

                // And once more: the base carried over from the first key survives a second rotation.
                let resolvedAudit = AuditLog(store: store, key: AuditSigningKey(rootKey: resolved))
                #expect(
                    try await KeyringManager.rotateRootKey(store: store, from: second, to: third, audit: resolvedAudit)
                        == .rotated(versions: 2))
                let last = try await KeyringManager.resolveRootKey(third, store: store)
                #expect(last.derivedKey(purpose: AuditSigningKey.purpose) == auditKey)
                let again = try await Self.sequenceAndVerify(store: store, rootKey: last)
                #expect(again.firstBreak == nil && again.sealedEntries == 4)
                await expectKeyringError(.rootKeyMismatch) {
                    _ = try await KeyringManager.start(store: store, rootKey: second)
                }
            }
        }
    }

    @Test("A failure inside the transaction changes nothing; running again completes", arguments: Backend.allCases)
    func failureMidTransaction(backend: Backend) async throws {
        let old = RootKey.generate()
        let new = RootKey.generate()
        try await backend.withDatabase { location in
            try await Backend.withStore(at: location) { store in
                let manager = try await KeyringManager.start(store: store, rootKey: old)
                try await manager.rotate()
                let sealed = try manager.cipher.seal(Array("kept".utf8), context: try Self.context())
                let before = try await store.masterKeyVersions()
                // The fault: the record's insert fails after every version's UPDATE ran in the same transaction.
                try await Self.sql(
                    location,
                    postgres: """
                        CREATE FUNCTION tessera.inject_failure() RETURNS trigger LANGUAGE plpgsql AS
                        $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$;
                        CREATE TRIGGER inject BEFORE INSERT ON tessera.root_key
                            FOR EACH ROW EXECUTE FUNCTION tessera.inject_failure();
                        """,
                    sqlite: """
                        CREATE TRIGGER inject BEFORE INSERT ON tessera_root_key
                        BEGIN SELECT RAISE(ABORT, 'injected failure'); END;
                        """
                )
                await #expect(throws: StoreError.self) {
                    _ = try await KeyringManager.rotateRootKey(store: store, from: old, to: new)
                }
                #expect(try await store.masterKeyVersions() == before)
                #expect(try await store.rootKeyRecord() == nil)
                await expectKeyringError(.rootKeyMismatch) {
                    _ = try await KeyringManager.start(store: store, rootKey: new)
                }
                _ = try await KeyringManager.start(store: store, rootKey: old)

                try await Self.sql(
                    location, postgres: "DROP TRIGGER inject ON tessera.root_key", sqlite: "DROP TRIGGER inject")
                #expect(
                    try await KeyringManager.rotateRootKey(store: store, from: old, to: new) == .rotated(versions: 2))
                let reopened = try await KeyringManager.start(store: store, rootKey: new)
                #expect((try? reopened.cipher.open(sealed, context: try Self.context())) != nil)
            }
        }
    }

    @Test("tessera keys rotate-root killed mid-transaction, run again, old key deleted: everything opens")
    func killedAndRepeated() async throws {
        let executable = packageRoot.appendingPathComponent(".build/debug/tessera").path
        try #require(FileManager.default.isExecutableFile(atPath: executable), "build the tessera executable first")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "rotate-root-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let oldPath = directory.appendingPathComponent("old.key").path
        let newPath = directory.appendingPathComponent("new.key").path
        let old = RootKey.generate()
        _ = FileManager.default.createFile(
            atPath: oldPath, contents: Data("purpose=production\nkey=\(old.base64EncodedKey())\n".utf8),
            attributes: [.posixPermissions: 0o600]
        )
        try await Backend.postgres.withDatabase { location in
            guard case .postgres(let url) = location else { return }
            let sealed = try await Backend.withStore(at: location) { store in
                let manager = try await KeyringManager.start(
                    store: store, rootKey: old, audit: AuditLog(store: store, key: AuditSigningKey(rootKey: old))
                )
                try await manager.rotate()
                return try manager.cipher.seal(Array("survives".utf8), context: try Self.context())
            }
            let arguments =
                ["keys", "rotate-root", "--root-key-file", oldPath, "--new-root-key-file", newPath]
                + location.cliArguments

            // Hold version 2's row: the command blocks inside its transaction, after re-wrapping version 1.
            let locker = try ChildProcess.start(
                "/usr/bin/psql",
                [
                    url, "-X", "-c",
                    "BEGIN; SELECT 1 FROM tessera.keyring_versions WHERE version = 2 FOR UPDATE; "
                        + "SELECT pg_sleep(6); COMMIT;",
                ],
                logFile: directory.appendingPathComponent("psql.log").path
            )
            try await Task.sleep(for: .seconds(1))
            let clean = ProcessInfo.processInfo.environment.filter {
                !$0.key.hasPrefix("TESSERA_") && $0.key != "DATABASE_URL"
            }
            let rotation = try ChildProcess.start(
                executable, arguments, environment: clean, inheriting: false, directory: packageRoot.path,
                logFile: directory.appendingPathComponent("rotate.log").path
            )
            try await Task.sleep(for: .seconds(3))
            #expect(!rotation.hasExited, "the rotation should be blocked inside its transaction")
            #expect(
                FileManager.default.fileExists(atPath: newPath), "the new key is on disk before the database needs it")
            rotation.signal(SIGKILL)
            #expect(try await rotation.exitStatus() == 128 + SIGKILL)
            _ = try await locker.exitStatus()

            // Nothing moved: the old key opens the keyring, the new one does not.
            let environment: [String: String] = [:]
            let status = try await runTessera(
                executable, ["keys", "status", "--root-key-file", oldPath] + location.cliArguments,
                environment: environment)
            #expect(status.status == 0, "\(status.standardError)")
            let early = try await runTessera(
                executable, ["keys", "status", "--root-key-file", newPath] + location.cliArguments,
                environment: environment)
            #expect(early.status != 0)

            // Run again with the same arguments: it completes with the key file the killed run wrote.
            let again = try await runTessera(executable, arguments, environment: environment)
            #expect(again.status == 0, "\(again.standardError)")
            #expect(again.standardOutput.contains("2 master key versions"))
            try FileManager.default.removeItem(atPath: oldPath)
            let repeatRun = try await runTessera(executable, arguments, environment: environment)
            #expect(repeatRun.status == 0, "\(repeatRun.standardError)")
            #expect(repeatRun.standardOutput.contains("already under root key"))

            let wrongOld = try await runTessera(
                executable, ["keys", "status", "--root-key-file", oldPath] + location.cliArguments,
                environment: environment)
            #expect(wrongOld.status != 0)
            #expect(wrongOld.standardError.split(separator: "\n").count == 1)
            let verify = try await runTessera(
                executable, ["audit", "verify", "--root-key-file", newPath] + location.cliArguments,
                environment: environment)
            #expect(verify.status == 0, "\(verify.standardError)")
            // No server ran, so no sequencer: the three entries are unsealed, their MACs verified with the resolved key.
            #expect(
                verify.standardOutput.contains(
                    "audit log intact: 0 entries under 0 checkpoints, 3 not yet checkpointed"))

            let newKey = try RootKeyFile(path: newPath).loadRootKey()
            try await Backend.withStore(at: location) { store in
                let manager = try await KeyringManager.start(store: store, rootKey: newKey)
                #expect((try? manager.cipher.open(sealed, context: try Self.context())) != nil)
            }
        }
    }

    /// Runs SQL as the database's owner: psql on PostgreSQL, sqlite3 on SQLite.
    private static func sql(_ location: Backend.Location, postgres: String, sqlite: String) async throws {
        switch location {
        case .postgres(let url):
            try await TestPostgres.psql(url: url, ["-v", "ON_ERROR_STOP=1", "-c", postgres])
        case .sqlite(let path):
            let outcome = try await ChildProcess.run("/usr/bin/sqlite3", [path, sqlite])
            try #require(outcome.status == 0, "\(outcome.standardError)")
        }
    }
}
