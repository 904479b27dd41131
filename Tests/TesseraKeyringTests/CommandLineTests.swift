import Foundation
import TesseraCrypto
import TesseraTestSupport
import Testing

/// The operator commands end to end, as a separate process on an SQLite file.
@Suite("tessera migrate / keys / audit")
struct CommandLineTests {
    @Test("migrate, keys status/rotate/rewrap/retire and audit verify: output, one-line errors, exit codes")
    func endToEnd() async throws {
        let executable = packageRoot.appendingPathComponent(".build/debug/tessera").path
        try #require(FileManager.default.isExecutableFile(atPath: executable), "build the tessera executable first")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = ["--sqlite-path", directory.appendingPathComponent("t.sqlite").path]
        let environment = [RootKey.environmentVariable: RootKey.generate().base64EncodedKey()]
        func tessera(_ arguments: [String]) async throws -> ChildProcess.Outcome {
            try await runTessera(executable, arguments, environment: environment)
        }

        let notMigrated = try await tessera(["keys", "status"] + database)
        #expect(notMigrated.status != 0)
        #expect(notMigrated.standardError.contains("run 'tessera migrate' first"))

        let migrate = try await tessera(["migrate"] + database)
        #expect(migrate.status == 0)
        #expect(migrate.standardOutput.contains("applied migration 1"))
        #expect(try await tessera(["migrate"] + database).standardOutput.contains("nothing to apply"))

        let status = try await tessera(["keys", "status"] + database)
        #expect(status.status == 0)
        #expect(status.standardOutput.contains("active version 1"))
        #expect(try await tessera(["keys", "rotate"] + database).standardOutput.contains("version 2 is now active"))

        let retireActive = try await tessera(["keys", "retire", "2"] + database)
        #expect(retireActive.status != 0)
        #expect(retireActive.standardError.split(separator: "\n").count == 1)
        #expect(retireActive.standardError.contains("active version"))

        let rewrap = try await tessera(["keys", "rewrap", "--batch-size", "10"] + database)
        #expect(rewrap.status == 0, "\(rewrap.standardError)")
        #expect(rewrap.standardOutput.contains("rewrapped 0 data keys to version 2"))
        #expect(try await tessera(["keys", "retire", "1"] + database).status == 0)

        let verify = try await tessera(["audit", "verify"] + database)
        #expect(verify.status == 0, "\(verify.standardError)")
        #expect(verify.standardOutput.contains("audit log intact"))

        // Another root key derives another audit key (and does not open the keyring).
        let other = try await runTessera(
            executable, ["audit", "verify"] + database,
            environment: [RootKey.environmentVariable: RootKey.generate().base64EncodedKey()]
        )
        #expect(other.status != 0)
        #expect(other.standardError.contains("audit log broken at entry 1: bad signature"))
        let wrongKey = try await runTessera(
            executable, ["keys", "status"] + database,
            environment: [RootKey.environmentVariable: RootKey.generate().base64EncodedKey()]
        )
        #expect(wrongKey.status != 0)
        #expect(wrongKey.standardError.contains("rootKeyMismatch"))
    }
}
