import Foundation
import TesseraAudit
import TesseraCrypto
import TesseraKeyring
import TesseraStore
import TesseraStorePostgres
import TesseraStoreSQLite
import TesseraTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `tessera serve` counts the data keys still wrapped by rotated-out master key versions and serves the count on
/// `/metrics` (`tessera_keyring_old_version_*`, the input of the `TesseraOldMasterKeyVersionReferenced` alert),
/// following a rewrap and a retirement made by another process.
@Suite(
    "End to end: old master key versions' data keys on /metrics",
    .enabled(if: tesseraExecutable != nil, "the tessera executable is built beside the tests"),
    .timeLimit(.minutes(5))
)
struct OldKeyVersionMetricsProcessTests {
    typealias Backend = ServeProcessTests.Backend

    /// The keyring over `store` with the development root key the server uses too.
    private static func keyring(_ store: any TesseraStore) async throws -> KeyringManager {
        let key = try RootKeyFile(
            path: endToEndPackageRoot.appendingPathComponent(RootKey.developmentRelativePath).path
        ).load().key
        return try await KeyringManager.start(
            store: store, rootKey: key, audit: AuditLog(store: store, key: AuditSigningKey(rootKey: key))
        )
    }

    /// Scrapes `/metrics` until `done` holds for the sample lines, or two minutes pass; returns the last scrape.
    private static func scrape(port: Int, process: ChildProcess, until done: ([String]) -> Bool) async throws
        -> [String]
    {
        var lines: [String] = []
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline && !process.hasExited {
            let curl = try await ChildProcess.run(
                "/usr/bin/curl", ["-s", "--max-time", "5", "http://127.0.0.1:\(port)/metrics"]
            )
            lines = curl.standardOutput.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") }
            if done(lines) { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        return lines
    }

    private static func value(_ lines: [String], _ name: String) -> Double? {
        lines.first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) }
    }

    @Test(
        "after a rotation the old version's data keys are on /metrics; a rewrap and a retirement clear them",
        arguments: Backend.allCases)
    func oldVersionOnMetrics(backend: Backend) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-oldkv-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func run(_ store: [String]) async throws {
            let callers = try await migrateAndAddCaller(
                "probe", allow: "tessera.v1.Health/*", store: store, in: directory)
            // Three provider keys and two TOTP secrets under version 1, then a rotation to version 2.
            try await withStore(flags: store) { store in
                let manager = try await Self.keyring(store)
                for index in 0..<5 {
                    var user = UserRecord(
                        email: "oldkv-\(UUID().uuidString.prefix(8).lowercased())@example.com",
                        passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
                        createdAt: Date()
                    )
                    if index >= 3 {
                        user.sealedTOTPSecret = try manager.cipher.seal(
                            Array("JBSWY3DPEHPK3PXP".utf8), context: try TOTPSecretContext.make(userID: user.id)
                        ).serialized
                    }
                    try await store.createUser(user)
                    guard index < 3 else { continue }
                    let sealed = try manager.cipher.seal(
                        Array("sk-\(index)".utf8),
                        context: try ProviderKeyContext.make(userID: user.id, providerType: "openai")
                    )
                    try await store.createProviderKey(
                        ProviderKeyRecord(
                            userID: user.id, providerName: "openai", providerType: "openai",
                            encryptedAPIKey: sealed.payload.serialized, encryptedDEK: sealed.wrappedKey.serialized,
                            keyLast4Chars: "abcd", createdAt: Date()
                        )
                    )
                    _ = try await store.adjustDEKCount(version: 1, delta: 1)
                }
                try await manager.rotate()
            }

            let metricsPort = try FreePort.find()
            let log = directory.appendingPathComponent("serve.log")
            let process = try ChildProcess.start(
                try #require(tesseraExecutable),
                [
                    "serve", "--development", "--port", "0", "--callers", callers, "--argon2-workers", "1",
                    "--metrics-port", "\(metricsPort)", "--keyring-references-interval", "1",
                ] + store,
                environment: ServeProcessTests.cleanEnvironment, inheriting: false,
                directory: endToEndPackageRoot.path, logFile: log.path
            )
            defer { if !process.hasExited { process.signal(SIGKILL) } }
            let referenced = #"tessera_keyring_old_version_data_keys{version="1"} 5.0"#
            var lines = try await Self.scrape(port: metricsPort, process: process) { $0.contains(referenced) }
            let logText = { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
            #expect(lines.contains(referenced), "\(lines)\n\(logText())")
            #expect(!lines.contains { $0.hasPrefix(#"tessera_keyring_old_version_data_keys{version="2"}"#) })
            let age = Self.value(lines, "tessera_keyring_old_version_referenced_seconds")
            #expect(age.map { $0 > 0 && $0 < 600 } == true, "the rotation was moments ago: \(String(describing: age))")
            let counted = Self.value(lines, "tessera_keyring_references_counted_timestamp_seconds")
            #expect(counted.map { abs($0 - Date().timeIntervalSince1970) < 60 } == true)

            // A rewrap started from another process is run by the server (its rewrap loop); then that process
            // retires version 1. The server's next counts follow.
            try await withStore(flags: store) { store in
                let manager = try await Self.keyring(store)
                _ = try await manager.startRewrap(requestedBy: "test")
                let deadline = ContinuousClock.now + .seconds(60)
                var job = try await store.rewrapJob()
                while job?.state != .finished && ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(200))
                    job = try await store.rewrapJob()
                }
                try #require(job?.state == .finished, "the server did not finish the rewrap: \(logText())")
                #expect(job?.failed == 0 && job?.rewrapped == 5)
                try await manager.retire(version: 1)
            }
            lines = try await Self.scrape(port: metricsPort, process: process) { lines in
                !lines.contains { $0.hasPrefix("tessera_keyring_old_version_data_keys{") }
                    && lines.contains("tessera_keyring_old_version_referenced_seconds 0.0")
            }
            #expect(!lines.contains { $0.hasPrefix("tessera_keyring_old_version_data_keys{") }, "\(lines)")
            #expect(lines.contains("tessera_keyring_old_version_referenced_seconds 0.0"), "\(logText())")
            process.signal(SIGTERM)
            #expect(try await process.exitStatus() == 0, "serve: \(logText())")
        }
        switch backend {
        case .sqlite: try await run(["--sqlite-path", directory.appendingPathComponent("t.sqlite").path])
        case .postgres: try await TestPostgres.withTemporaryDatabase { url in try await run(["--database-url", url]) }
        }
    }
}
