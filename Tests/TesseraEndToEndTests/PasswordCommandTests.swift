import Foundation
import TesseraTestSupport
import Testing

/// `tessera password hash|verify` as a process: secrets on standard input, the hash from a file.
@Suite(
    "End to end: tessera password",
    .enabled(if: tesseraExecutable != nil, "the tessera executable is built beside the tests"),
    .timeLimit(.minutes(5))
)
struct PasswordCommandTests {
    private func tessera(_ arguments: [String], input: String) async throws -> ChildProcess.Outcome {
        try await ChildProcess.run(
            try #require(tesseraExecutable), ["password"] + arguments + ["--memory-kib", "64", "--iterations", "1"],
            standardInput: Data(input.utf8)
        )
    }

    @Test("hash reads the password on stdin; verify takes the hash from --hash-file or the argument, exit 0/1")
    func hashAndVerify() async throws {
        let hashed = try await tessera(["hash"], input: "correct horse\n")
        #expect(hashed.status == 0, "\(hashed.standardError)")
        let phc = hashed.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(phc.hasPrefix("$argon2id$v=19$m=64,t=1,p=1$"))
        #expect(!hashed.standardOutput.contains("correct horse") && !hashed.standardError.contains("correct horse"))

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("phc-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data((phc + "\n").utf8).write(to: file)

        let valid = try await tessera(["verify", "--hash-file", file.path], input: "correct horse")
        #expect(valid.status == 0 && valid.standardOutput.hasPrefix("valid"), "\(valid.standardError)")
        let invalid = try await tessera(["verify", "--hash-file", file.path], input: "wrong horse")
        #expect(invalid.status == 1 && invalid.standardOutput.hasPrefix("invalid"))
        #expect(try await tessera(["verify", phc], input: "correct horse").status == 0)
        // Both or neither: a usage error, not a verdict.
        let both = try await tessera(["verify", "--hash-file", file.path, phc], input: "correct horse")
        #expect(both.status != 0 && both.status != 1)
        let neither = try await tessera(["verify"], input: "correct horse")
        #expect(neither.status != 0 && neither.status != 1)
    }
}
