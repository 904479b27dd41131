import Foundation
import TesseraClient
import TesseraCrypto
import TesseraStore
import TesseraTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `tessera secret seal|open` and `tessera demo` as real processes on the persistent keyring: envelopes sealed by
/// the CLI open in a `tessera serve` of the same database and the reverse, also after a rotation; a wrong context,
/// a tampered envelope or a wrong root key fail with one line and a non-zero exit and change nothing.
@Suite(
    "End to end: tessera secret and demo on the persistent keyring",
    .enabled(if: tesseraExecutable != nil, "the tessera executable is built beside the tests"),
    .timeLimit(.minutes(6))
)
struct SecretCommandTests {
    typealias Backend = ServeProcessTests.Backend

    private static let context = ["--context", "user_id=42", "--context", "provider=openai"]

    /// What a failed command must look like: non-zero, one line on standard error holding `reason`, nothing out.
    private func expectRefused(
        _ outcome: ChildProcess.Outcome, _ reason: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(outcome.status != 0, sourceLocation: sourceLocation)
        #expect(outcome.standardOutput.isEmpty, "printed: \(outcome.standardOutput)", sourceLocation: sourceLocation)
        let lines = outcome.standardError.split(separator: "\n").filter { !$0.contains("DEVELOPMENT") }
        #expect(lines.count == 1, "\(outcome.standardError)", sourceLocation: sourceLocation)
        #expect(outcome.standardError.contains(reason), "\(outcome.standardError)", sourceLocation: sourceLocation)
    }

    /// The keyring as stored (revision, then version, state and wrap count of each version), to show that a refused
    /// command changed nothing.
    @Sendable private static func keyringSnapshot(_ store: any TesseraStore) async throws -> String {
        let versions = try await store.masterKeyVersions()
        return "revision \(try await store.keyringRevision()): "
            + versions.map { "v\($0.version) \($0.state.rawValue) wraps \($0.wrapCount)" }.joined(separator: ", ")
    }

    /// The master key version an envelope printed in base64 is under.
    private static func version(of base64: String) throws -> UInt32 {
        let bytes = try #require(Data(base64Encoded: base64))
        return try SealedEnvelope(serialized: Array(bytes)).masterKeyVersion
    }

    @Test(
        "seal and open with the CLI and through the server, both ways; refusals; rotation",
        arguments: Backend.allCases)
    func sealOpenAcrossCLIAndServer(backend: Backend) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-secret-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let root = RootKey.generate()
        let environment = [RootKey.environmentVariable: root.base64EncodedKey()]
        let otherRoot = [RootKey.environmentVariable: RootKey.generate().base64EncodedKey()]
        try await backend.withDatabase(in: directory) { database in
            let migrated = try await tessera(["migrate"] + database, environment: environment)
            try #require(migrated.status == 0, "migrate: \(migrated.standardError)")

            // Open on an empty keyring: refused, and no version is created by it.
            let empty = try await tessera(
                ["secret", "open", "AQAAAAE="] + Self.context + database, environment: environment)
            expectRefused(empty, "no master key version yet")
            #expect(try await withStore(flags: database) { try await $0.masterKeyVersions() }.isEmpty)

            // CLI seal, CLI open.
            let sealed = try await tessera(
                ["secret", "seal"] + Self.context + database, environment: environment, input: "sk-live-cli-1")
            try #require(sealed.status == 0, "seal: \(sealed.standardError)")
            let cliEnvelope = sealed.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try Self.version(of: cliEnvelope) == 1)
            #expect(!sealed.standardOutput.contains("sk-live-cli-1") && !sealed.standardError.contains("sk-live"))
            let opened = try await tessera(
                ["secret", "open", cliEnvelope] + Self.context + database, environment: environment)
            #expect(opened.status == 0, "open: \(opened.standardError)")
            #expect(opened.standardOutput == "sk-live-cli-1")
            // The CLI's seal is counted in the version's usage, as the server's are.
            let before = try await withStore(flags: database, Self.keyringSnapshot)
            #expect(before.hasSuffix("v1 active wraps 1"), "\(before)")

            // Wrong context, tampered envelope, wrong root key: one opaque line, non-zero, nothing changed.
            let otherRow = try await tessera(
                ["secret", "open", cliEnvelope, "--context", "user_id=43", "--context", "provider=openai"]
                    + database, environment: environment)
            expectRefused(otherRow, "the sealed value could not be opened")
            var tamperedBytes = Array(try #require(Data(base64Encoded: cliEnvelope)))
            tamperedBytes[tamperedBytes.count - 1] ^= 0x01
            let tampered = try await tessera(
                ["secret", "open", Data(tamperedBytes).base64EncodedString()] + Self.context + database,
                environment: environment)
            expectRefused(tampered, "the sealed value could not be opened")
            let wrongRootOpen = try await tessera(
                ["secret", "open", cliEnvelope] + Self.context + database, environment: otherRoot)
            expectRefused(wrongRootOpen, "rootKeyMismatch")
            let wrongRootSeal = try await tessera(
                ["secret", "seal"] + Self.context + database, environment: otherRoot, input: "sk-live-not-sealed")
            expectRefused(wrongRootSeal, "rootKeyMismatch")
            for outcome in [otherRow, tampered, wrongRootOpen, wrongRootSeal] {
                #expect(!outcome.standardError.contains("sk-live"), "a plaintext reached an error line")
            }
            #expect(
                try await withStore(flags: database, Self.keyringSnapshot) == before, "a refusal changed the keyring")

            // The same database served by `tessera serve`: envelopes cross between the CLI and the server.
            try await withServer(database: database, directory: directory, environment: environment) { port, token in
                var configuration = TesseraClient.Configuration(host: "127.0.0.1", port: port, credential: .init(token))
                configuration.defaultTimeout = .seconds(60)
                let client = try TesseraClient(configuration: configuration)
                do {
                    try await crossings(
                        client, port: port, token: token, database: database, environment: environment,
                        cliEnvelope: cliEnvelope
                    )
                } catch {
                    await client.shutdown()
                    throw error
                }
                await client.shutdown()
            }
        }
    }

    /// Envelopes crossing between the CLI and a server of the same database, both ways, then a rotation by the CLI.
    private func crossings(
        _ client: TesseraClient, port: Int, token: String, database: [String], environment: [String: String],
        cliEnvelope: String
    ) async throws {
        let pairs = ["user_id": "42", "provider": "openai"]
        #expect(
            try await client.open(Array(try #require(Data(base64Encoded: cliEnvelope))), context: pairs)
                == Array("sk-live-cli-1".utf8), "the server does not open what the CLI sealed")
        let serverSealed = try await client.seal(Array("sk-live-server-1".utf8), context: pairs)
        let fromServer = try await tessera(
            ["secret", "open", Data(serverSealed).base64EncodedString()] + Self.context + database,
            environment: environment)
        #expect(fromServer.status == 0, "open: \(fromServer.standardError)")
        #expect(fromServer.standardOutput == "sk-live-server-1")

        // A provider key the server sealed (ProviderKeys/Put): its two columns are one envelope.
        let email = "secret-cli-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        let userID = try await client.register(email: email, password: "a long and unusual passphrase").userID
        _ = try await client.putProviderKey(userID: userID, providerType: "openai", apiKey: "sk-live-provider")
        let row = try await withStore(flags: database) { store in
            try await store.providerKey(userID: try #require(UUID(uuidString: userID)), providerType: "openai")
        }
        let stored = try #require(row)
        let providerEnvelope = SealedEnvelope(
            wrappedKey: try WrappedKey(serialized: stored.encryptedDEK),
            payload: try SealedPayload(serialized: stored.encryptedAPIKey)
        )
        let providerKey = try await tessera(
            [
                "secret", "open", Data(providerEnvelope.serialized).base64EncodedString(),
                "--context", "user_id=\(userID.lowercased())", "--context", "provider_type=openai",
            ] + database, environment: environment)
        #expect(providerKey.status == 0, "open: \(providerKey.standardError)")
        #expect(providerKey.standardOutput == "sk-live-provider")

        // --server: the server seals and opens for a caller, without the database or the root key.
        let remote = ["--server", "--port", String(port)]
        let credential = ["TESSERA_CREDENTIAL": token]
        let remoteSealed = try await tessera(
            ["secret", "seal"] + Self.context + remote, environment: credential, input: "sk-live-remote")
        #expect(remoteSealed.status == 0, "seal --server: \(remoteSealed.standardError)")
        let remoteEnvelope = remoteSealed.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        let remoteOpened = try await tessera(
            ["secret", "open", remoteEnvelope] + Self.context + database, environment: environment)
        #expect(remoteOpened.standardOutput == "sk-live-remote", "\(remoteOpened.standardError)")
        let remoteOpen = try await tessera(
            ["secret", "open", cliEnvelope] + Self.context + remote, environment: credential)
        #expect(remoteOpen.standardOutput == "sk-live-cli-1", "\(remoteOpen.standardError)")
        let remoteWrong = try await tessera(
            ["secret", "open", cliEnvelope, "--context", "user_id=43"] + remote, environment: credential)
        expectRefused(remoteWrong, "could not be opened")
        let both = try await tessera(
            ["secret", "open", cliEnvelope] + Self.context + remote + database, environment: credential)
        #expect(both.status != 0 && both.standardError.contains("not both"))

        // Rotation by the CLI: old envelopes still open (CLI and server), new ones are under version 2.
        let rotated = try await tessera(["keys", "rotate"] + database, environment: environment)
        #expect(rotated.standardOutput.contains("version 2 is now active"), "\(rotated.standardError)")
        let old = try await tessera(
            ["secret", "open", cliEnvelope] + Self.context + database, environment: environment)
        #expect(old.standardOutput == "sk-live-cli-1", "\(old.standardError)")
        let newer = try await tessera(
            ["secret", "seal"] + Self.context + database, environment: environment, input: "sk-live-cli-2")
        let newEnvelope = newer.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try Self.version(of: newEnvelope) == 2)
        // The server sees the rotation within its poll interval (1 s), then seals under 2 and opens both.
        var serverVersion: UInt32 = 0
        let deadline = ContinuousClock.now + .seconds(20)
        while serverVersion != 2 && ContinuousClock.now < deadline {
            let probe = try await client.seal(Array("probe".utf8), context: pairs)
            serverVersion = try SealedEnvelope(serialized: probe).masterKeyVersion
            if serverVersion != 2 { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(serverVersion == 2, "the server did not pick up the rotation")
        #expect(
            try await client.open(Array(try #require(Data(base64Encoded: newEnvelope))), context: pairs)
                == Array("sk-live-cli-2".utf8))
        #expect(
            try await client.open(serverSealed, context: pairs) == Array("sk-live-server-1".utf8),
            "a version 1 envelope no longer opens on the server after the rotation")
    }

    /// Runs `tessera serve --development` on `database` with a caller allowed everything, gives `body` the port and
    /// the caller's credential, then stops the server with SIGTERM (it must exit 0 and log no secret).
    private func withServer(
        database: [String], directory: URL, environment: [String: String],
        _ body: (Int, String) async throws -> Void
    ) async throws {
        let callers = directory.appendingPathComponent("callers.json").path
        let added = try await tessera(["callers", "add", "ops", "--allow", "*", "--file", callers], environment: [:])
        try #require(added.status == 0, "callers add: \(added.standardError)")
        let token = added.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        let log = directory.appendingPathComponent("serve.log")
        let process = try ChildProcess.start(
            try #require(tesseraExecutable),
            ["serve", "--development", "--port", "0", "--no-metrics", "--keyring-poll", "1", "--callers", callers]
                + database,
            environment: ServeProcessTests.cleanEnvironment.merging(environment) { $1 }, inheriting: false,
            directory: endToEndPackageRoot.path, logFile: log.path
        )
        defer { if !process.hasExited { process.signal(SIGKILL) } }
        var port: Int?
        let deadline = ContinuousClock.now + .seconds(120)
        while port == nil && ContinuousClock.now < deadline && !process.hasExited {
            port = TwoProcessRaceTests.listeningPort(in: (try? String(contentsOf: log, encoding: .utf8)) ?? "")
            if port == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        let logText = { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
        try await body(try #require(port, "serve did not start: \(logText())"), token)
        process.signal(SIGTERM)
        #expect(try await process.exitStatus() == 0, "serve: \(logText())")
        for needle in [token, "sk-live", environment[RootKey.environmentVariable] ?? ""] {
            #expect(!logText().contains(needle), "a secret reached the server's log")
        }
    }

    @Test("tessera demo seals with the persistent keyring; before a migrate it says what to run")
    func demo() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-demo-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = ["--sqlite-path", directory.appendingPathComponent("demo.sqlite").path]
        // The development root key, as `make demo` uses it (no root key in the environment).
        let notMigrated = try await tessera(["demo"] + database, environment: [:])
        #expect(notMigrated.status != 0)
        #expect(notMigrated.standardError.contains("run 'tessera migrate' first"), "\(notMigrated.standardError)")
        #expect(try await tessera(["migrate"] + database, environment: [:]).status == 0)
        let demo = try await tessera(["demo"] + database, environment: [:])
        #expect(demo.status == 0, "demo: \(demo.standardError)")
        #expect(demo.standardError.contains("DEVELOPMENT root key"))
        for expected in [
            "persistent keyring (sqlite:", "master key:          version 1 of 1", "equal to the input: true",
            "moved to user 43:    refused=true", "right password:      valid=true",
        ] {
            #expect(demo.standardOutput.contains(expected), "missing \(expected): \(demo.standardOutput)")
        }
        let status = try await tessera(["keys", "status"] + database, environment: [:])
        #expect(status.standardOutput.contains("active version 1"), "\(status.standardOutput)")
    }
}
