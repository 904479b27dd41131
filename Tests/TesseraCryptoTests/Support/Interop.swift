import Foundation
import TesseraTestSupport
import Testing

/// Runs the independent implementations (Python packages from PyPI) that interop tests compare against.
///
/// Scripts live in `Tests/interop/`. Each reads JSON on standard input and writes JSON on standard output, so
/// the exchange is explicit and no secret needs to go through a command line. A missing Python package is a test
/// failure, not a skip: `make test` (and `.ci/run`) install them.
enum Interop {
    /// The repository root, found from this file's path.
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Support
        .deletingLastPathComponent()  // TesseraCryptoTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()

    /// Runs `Tests/interop/<script>` with `python3`, feeding `input` as JSON, and decodes its JSON output.
    ///
    /// - Parameters:
    ///   - script: The script's file name, e.g. `argon2_interop.py`.
    ///   - input: A JSON-encodable value sent on standard input.
    ///   - output: The type the script's standard output decodes to.
    /// - Returns: The decoded output.
    /// - Throws: When the script exits non-zero (its standard error is in the message) or prints bad JSON.
    static func run<Input: Encodable, Output: Decodable>(
        _ script: String,
        input: Input,
        as output: Output.Type
    ) async throws -> Output {
        let data = try await runRaw(script, arguments: [], stdin: JSONEncoder().encode(input))
        return try JSONDecoder().decode(Output.self, from: data)
    }

    /// Runs `Tests/interop/<script>` (or any executable when `script` is an absolute path) and returns stdout.
    ///
    /// The child runs through `ChildProcess`: awaited on a thread of its own, never on the Swift concurrency pool (one
    /// thread per core, two on CI), which a test blocking for the seconds a Python run takes would stall.
    static func runRaw(_ script: String, arguments: [String], stdin: Data = Data()) async throws -> Data {
        let scriptPath = repositoryRoot.appendingPathComponent("Tests/interop").appendingPathComponent(script).path
        let command = script.hasSuffix(".py") ? ["python3", scriptPath] : [script]
        let outcome = try await ChildProcess.run("/usr/bin/env", command + arguments, standardInput: stdin)
        guard outcome.status == 0 else {
            throw InteropFailure(message: "\(script) exited \(outcome.status): \(outcome.standardError)")
        }
        return outcome.standardOutputData
    }

    /// A failed run of an interop script.
    struct InteropFailure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}
