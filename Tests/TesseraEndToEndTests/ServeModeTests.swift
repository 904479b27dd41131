import Foundation
import TesseraCrypto
import TesseraServer
import TesseraTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The package's root directory (this file is `Tests/TesseraEndToEndTests/ServeModeTests.swift`).
private let modeTestsPackageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// What `tessera serve` refuses before it serves anything: production mode without a real root key or TLS, a
/// setting out of range, a callers file others can write, a database URL file others can read. Every case here
/// ends with the process exiting, so none waits on a running server.
@Suite(
    "End to end: what tessera serve refuses at start",
    .enabled(if: tesseraExecutable != nil, "the tessera executable is built beside the tests"),
    .timeLimit(.minutes(5))
)
struct ServeModeTests {
    /// A production root key in base64, as `TESSERA_ROOT_KEY` takes it.
    private static func productionRootKey() -> String {
        Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
    }

    /// Runs `tessera ARGUMENTS` to completion from the package root, with no `TESSERA_*` or `DATABASE_URL`
    /// variable but those in `environment`.
    private func tessera(
        _ arguments: [String], environment: [String: String] = [:]
    ) async throws -> ChildProcess.Outcome {
        try await ChildProcess.run(
            try #require(tesseraExecutable), arguments,
            environment: ServeProcessTests.cleanEnvironment.merging(environment) { $1 }, inheriting: false,
            directory: modeTestsPackageRoot.path
        )
    }

    /// A temporary directory with a callers file (0600), and the arguments of `serve` using it and a SQLite
    /// file in it that does not exist yet.
    private func withDirectory(_ body: (URL, [String]) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-mode-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let callers = directory.appendingPathComponent("callers.json").path
        try CallersFile(callers: [
            .init(id: "e2e", credentialSHA256: OpaqueToken.generate(.caller).digest.hex, allow: ["*"])
        ]).write(to: callers)
        let arguments = [
            "serve", "--port", "0", "--no-metrics", "--callers", callers,
            "--sqlite-path", directory.appendingPathComponent("tessera.sqlite").path,
        ]
        try await body(directory, arguments)
    }

    private func sqliteExists(in directory: URL) -> Bool {
        FileManager.default.fileExists(atPath: directory.appendingPathComponent("tessera.sqlite").path)
    }

    @Test("Production is the default: without a root key it refuses, naming --development, before opening anything")
    func productionIsTheDefault() async throws {
        try await withDirectory { directory, serve in
            for arguments in [serve, serve + ["--production"]] {
                let outcome = try await tessera(arguments)
                #expect(outcome.status == 1, "\(outcome.standardError)")
                #expect(outcome.standardError.contains("root key"), "\(outcome.standardError)")
                #expect(outcome.standardError.contains("--development"), "\(outcome.standardError)")
                #expect(!sqliteExists(in: directory))
            }
            // The same from the settings file's key; `production: false` still means development.
            let config = directory.appendingPathComponent("settings.json")
            try Data(#"{"production": true}"#.utf8).write(to: config)
            let fromFile = try await tessera(serve + ["--config", config.path])
            #expect(fromFile.standardError.contains("--development"), "\(fromFile.standardError)")
            try Data(#"{"production": false}"#.utf8).write(to: config)
            let legacy = try await tessera(serve + ["--config", config.path])
            #expect(legacy.standardError.contains("tessera migrate"), "\(legacy.standardError)")
            // Explicit development mode gets as far as the (unmigrated) database.
            let development = try await tessera(serve + ["--development"])
            #expect(development.status != 0)
            #expect(development.standardError.contains("tessera migrate"), "\(development.standardError)")
            let both = try await tessera(serve + ["--development", "--production"])
            #expect(both.status != 0)
            #expect(both.standardError.contains("not both"), "\(both.standardError)")
        }
    }

    @Test("Production mode needs TLS unless --allow-plaintext (or allow_plaintext) says plain TCP is meant")
    func productionNeedsTLS() async throws {
        try await withDirectory { directory, serve in
            let key = [RootKey.environmentVariable: Self.productionRootKey()]
            let plain = try await tessera(serve, environment: key)
            #expect(plain.status == 1, "\(plain.standardError)")
            #expect(plain.standardError.contains("needs TLS"), "\(plain.standardError)")
            #expect(plain.standardError.contains("--allow-plaintext"), "\(plain.standardError)")
            #expect(!sqliteExists(in: directory))
            #expect(!plain.standardError.contains(try #require(key[RootKey.environmentVariable])))

            let allowed = try await tessera(serve + ["--allow-plaintext"], environment: key)
            #expect(allowed.standardError.contains("tessera migrate"), "\(allowed.standardError)")
            let fromEnvironment = try await tessera(
                serve, environment: key.merging(["TESSERA_ALLOW_PLAINTEXT": "true"]) { $1 }
            )
            #expect(fromEnvironment.standardError.contains("tessera migrate"), "\(fromEnvironment.standardError)")
        }
    }

    @Test(
        "A setting out of range is refused with one line naming it and its range, before anything starts",
        arguments: [
            (["--idle-timeout", "1e300"], "idle_timeout_seconds"),
            (["--shutdown-grace", "1e300"], "shutdown_grace_seconds"),
            (["--totp-window", "100000"], "totp_window"),
            (["--write-timeout", "nan"], "write_timeout_seconds"),
            (["--keyring-poll", "inf"], "keyring_poll_seconds"),
            (["--max-connections", "0"], "max_connections"),
            (["--wrap-warning", "0"], "wrap_warning"),
            (["--rotate-after-wraps", "4294967297"], "rotate_after_wraps"),
            (["--rotate-after-days", "0.01"], "rotate_after_days"),
            (["--keyring-references-interval", "0"], "keyring_references_seconds"),
        ]
    )
    func outOfRange(flags: [String], key: String) async throws {
        try await withDirectory { directory, serve in
            let outcome = try await tessera(serve + ["--development"] + flags)
            #expect(outcome.status == 1, "\(outcome.standardError)")
            let lines = outcome.standardError.split(separator: "\n")
            #expect(lines.count == 1, "\(outcome.standardError)")
            #expect(outcome.standardError.contains(key), "\(outcome.standardError)")
            #expect(outcome.standardError.contains(" from "), "\(outcome.standardError)")
            #expect(!sqliteExists(in: directory))
            // The same value from the environment.
            let variable = "TESSERA_" + key.uppercased()
            let fromEnvironment = try await tessera(serve + ["--development"], environment: [variable: flags[1]])
            #expect(fromEnvironment.status == 1, "\(fromEnvironment.standardError)")
            #expect(fromEnvironment.standardError.lowercased().contains(key), "\(fromEnvironment.standardError)")
        }
    }

    @Test("The settings file: bad values are refused in one line naming the key; the example file is accepted")
    func settingsFile() async throws {
        try await withDirectory { directory, serve in
            let config = directory.appendingPathComponent("settings.json")
            for (text, expected) in [
                (#"{"wrap_warning": 0}"#, "wrap_warning (--wrap-warning) must be from 1 to 4294967296"),
                (#"{"pkcs11_key": "tessera-root"}"#, "pkcs11_key (--pkcs11-key) needs pkcs11_module"),
                (#"{"database_url": "postgres://tessera:s3cr3t-pw@db/tessera"}"#, "database_url in"),
                (#"{"keyring_poll_seconds": "fast"}"#, "keyring_poll_seconds in"),
                (#"{"rotate_after_days": 30,"#, "is not valid JSON"),
            ] {
                try Data(text.utf8).write(to: config)
                let outcome = try await tessera(serve + ["--development", "--config", config.path])
                #expect(outcome.status == 1, "\(text): \(outcome.standardError)")
                #expect(outcome.standardError.split(separator: "\n").count == 1, "\(outcome.standardError)")
                #expect(outcome.standardError.contains(expected), "\(text): \(outcome.standardError)")
                #expect(!outcome.standardError.contains("s3cr3t-pw"))
                #expect(!sqliteExists(in: directory))
            }
            // ops/tessera.example.json passes every settings check: the start gets as far as reading the root key
            // file it names (absent here) and stops there, in one line, before opening any database.
            let example = modeTestsPackageRoot.appendingPathComponent("ops/tessera.example.json").path
            let outcome = try await tessera(["serve", "--config", example, "--no-metrics", "--port", "0"])
            #expect(outcome.status == 1, "\(outcome.standardError)")
            #expect(outcome.standardError.contains("/etc/tessera/credentials/root-key"), "\(outcome.standardError)")
        }
    }

    @Test("A callers file writable by group or others is refused at start")
    func callersFileWritableByOthers() async throws {
        try await withDirectory { directory, serve in
            let callers = directory.appendingPathComponent("callers.json").path
            #expect(chmod(callers, 0o666) == 0)
            let outcome = try await tessera(serve + ["--development"])
            #expect(outcome.status == 1, "\(outcome.standardError)")
            #expect(outcome.standardError.contains("writable by group or others"), "\(outcome.standardError)")
            #expect(!sqliteExists(in: directory))
        }
    }

    @Test("A database URL file must not be accessible to group or others, and its password never shows")
    func databaseURLFileMode() async throws {
        try await withDirectory { directory, serve in
            let file = directory.appendingPathComponent("database-url").path
            try Data("postgres://tessera:hunter2-secret@127.0.0.1:1/tessera\n".utf8).write(
                to: URL(fileURLWithPath: file))
            #expect(chmod(file, 0o644) == 0)
            for arguments in [
                serve + ["--development", "--database-url-file", file], ["migrate", "--database-url-file", file],
            ] {
                let outcome = try await tessera(arguments)
                #expect(outcome.status != 0)
                #expect(outcome.standardError.contains("mode 0644"), "\(outcome.standardError)")
                #expect(!outcome.standardError.contains("hunter2"))
            }
            let both = try await tessera(["migrate", "--database-url-file", file, "--database-url", "postgres://u@h/d"])
            #expect(both.standardError.contains("not both"), "\(both.standardError)")
        }
    }

    @Test("The database URL from a 0600 file or TESSERA_DATABASE_URL; the URL's own sslmode wins in production")
    func databaseURLFromFileAndEnvironment() async throws {
        try await withDirectory { directory, serve in
            try await TestPostgres.withTemporaryDatabase { url in
                // TestPostgres's URL says sslmode=disable (a loopback server without TLS): explicit, so it wins
                // over production mode's verify-full default.
                let file = directory.appendingPathComponent("database-url").path
                try ProtectedFile.writeOwnerOnly(Array(url.utf8), to: file, describedAs: "database URL file")
                let key = [RootKey.environmentVariable: Self.productionRootKey()]
                let production = try await tessera(
                    serve + ["--allow-plaintext", "--database-url-file", file], environment: key
                )
                #expect(production.standardError.contains("tessera migrate"), "\(production.standardError)")
                let migrated = try await tessera(["migrate"], environment: ["TESSERA_DATABASE_URL": url])
                #expect(migrated.status == 0, "\(migrated.standardError)")
                #expect(migrated.standardOutput.contains("applied migration"), "\(migrated.standardOutput)")
                let fromFile = try await tessera(["migrate", "--database-url-file", file])
                #expect(fromFile.standardOutput.contains("nothing to apply"), "\(fromFile.standardOutput)")
            }
        }
    }
}
