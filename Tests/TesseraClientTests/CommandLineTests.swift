import Foundation
import SwiftProtobuf
import TesseraTestSupport
import TesseraWire
import Testing

/// The `tessera` executable built beside the test bundle, if the build made it.
private let tesseraExecutable: URL? = {
    let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var directory = testBinary.deletingLastPathComponent()
    // On Linux the tests run from `.build/debug/<package>PackageTests.xctest`; on macOS from inside a bundle.
    for _ in 0..<4 {
        let candidate = directory.appendingPathComponent("tessera")
        if FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate
        }
        directory = directory.deletingLastPathComponent()
    }
    return nil
}()

@Suite(
    "tessera call and tessera health against a fake server",
    .enabled(if: tesseraExecutable != nil, "the tessera executable is built beside the tests"),
    .timeLimit(.minutes(5))
)
struct CommandLineTests {
    private func run(
        _ arguments: [String], credential: String? = TestClient.credentialMarker, standardInput: Data = Data()
    ) async throws -> ChildProcess.Outcome {
        let executable: URL = try #require(tesseraExecutable)
        var environment = ProcessInfo.processInfo.environment
        environment["TESSERA_CREDENTIAL"] = credential
        return try await ChildProcess.run(
            executable.path, arguments, environment: environment, standardInput: standardInput
        )
    }

    /// Where `--json-file` reads the request from.
    enum JSONSource: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case file
        case standardInput

        var testDescription: String { rawValue }
    }

    @Test(
        "tessera call --json-file reads the request from a file or from standard input (-)",
        arguments: JSONSource.allCases)
    func jsonFile(source: JSONSource) async throws {
        let server = try await FakeServer.start(behaviour: FakeServices.behaviour())
        let request = Data(#"{"plaintext": "aGVsbG8=", "context": {"user_id": "42"}}"#.utf8)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("call-\(UUID()).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try request.write(to: URL(fileURLWithPath: path))
        let outcome = try await self.run(
            [
                "call", "tessera.v1.Secrets/Seal", "--port", "\(server.port)", "--json-file",
                source == .file ? path : "-",
            ],
            standardInput: source == .standardInput ? request : Data()
        )
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let response = try Tessera_V1_SealResponse(jsonString: outcome.standardOutput)
        #expect(response.sealed == FakeServices.seal(Data("hello".utf8), ["user_id": "42"]))
        await server.stop()

        let both = try await self.run(["call", "tessera.v1.Health/Check", "--json", "{}", "--json-file", path])
        #expect(both.status != 0)
        #expect(both.standardError.contains("not both"), "\(both.standardError)")
    }

    @Test("tessera call sends a JSON body with the credential from the environment and prints the JSON reply")
    func call() async throws {
        let server = try await FakeServer.start(behaviour: FakeServices.behaviour())
        let outcome = try await self.run([
            "call", "tessera.v1.Secrets/Seal", "--port", "\(server.port)",
            "--json", #"{"plaintext": "aGVsbG8=", "context": {"user_id": "42"}}"#,
        ])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let response = try Tessera_V1_SealResponse(jsonString: outcome.standardOutput)
        #expect(response.sealed == FakeServices.seal(Data("hello".utf8), ["user_id": "42"]))
        let call = try #require(server.log.snapshot.calls.first?.call)
        #expect(call.metadata["authorization"] == "Bearer \(TestClient.credentialMarker)")
        await server.stop()
    }

    @Test("tessera call prints CODE: message and exits 1 on a failed status")
    func failedStatus() async throws {
        let server = try await FakeServer.start { _, _ in .fail(.permissionDenied, "caller may not call this method") }
        let outcome = try await self.run(["call", "tessera.v1.Health/Check", "--port", "\(server.port)"])
        #expect(outcome.status == 1)
        #expect(outcome.standardError == "PERMISSION_DENIED: caller may not call this method\n")
        #expect(!outcome.standardError.contains(TestClient.credentialMarker))
        await server.stop()
    }

    @Test("tessera health exits 0 when serving and 1 when the server cannot be reached")
    func health() async throws {
        let server = try await FakeServer.start(behaviour: FakeServices.behaviour())
        let serving = try await self.run(["health", "--port", "\(server.port)", "--timeout", "20"])
        #expect(serving.status == 0)
        #expect(serving.standardOutput == "SERVING\n  keyring: SERVING\n")
        await server.stop()
        let down = try await self.run(["health", "--port", "\(server.port)", "--timeout", "1"])
        #expect(down.status == 1)
        #expect(down.standardOutput == "NOT_SERVING\n")
    }

    @Test("tessera call --list names every method of the catalog")
    func list() async throws {
        let outcome = try await self.run(["call", "--list"])
        #expect(outcome.status == 0)
        let names = outcome.standardOutput.split(separator: "\n").compactMap { $0.split(separator: " ").first }
        #expect(names.map(String.init) == MethodCatalog.all.map(\.name))
    }
}
