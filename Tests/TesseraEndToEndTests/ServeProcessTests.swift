import Foundation
import TesseraClient
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The package's root directory (this file is `Tests/TesseraEndToEndTests/ServeProcessTests.swift`).
private let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The `tessera` executable built beside the test bundle (`.build/debug/tessera`), if the build made it.
private let tesseraExecutable: URL? = {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = directory.appendingPathComponent("tessera")
        if FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate
        }
        directory = directory.deletingLastPathComponent()
    }
    let fallback = packageRoot.appendingPathComponent(".build/debug/tessera")
    return FileManager.default.isExecutableFile(atPath: fallback.path) ? fallback : nil
}()

@Suite(
    "End to end: tessera serve as a real process",
    .enabled(if: tesseraExecutable != nil, "the tessera executable is built beside the tests")
)
struct ServeProcessTests {
    private struct Outcome {
        let status: Int32
        let standardOutput: String
        let standardError: String
    }

    /// Runs `tessera ARGUMENTS` to completion from the package root.
    private func run(_ arguments: [String], environment extra: [String: String] = [:]) throws -> Outcome {
        let process = Process()
        let executable: URL = try #require(tesseraExecutable)
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = packageRoot
        process.environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus,
            standardOutput: String(decoding: outputData, as: UTF8.self),
            standardError: String(decoding: errorData, as: UTF8.self)
        )
    }

    /// A TCP port on 127.0.0.1 that nothing listens on right now.
    private func freePort() throws -> Int {
        #if canImport(Glibc)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        try #require(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        try #require(bound == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        try #require(named == 0)
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test("callers add, serve, call, health and the client library against the process; SIGTERM exits 0")
    func serveProcess() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-serve-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let callersPath = directory.appendingPathComponent("callers.json").path

        let added = try run(["callers", "add", "e2e", "--allow", "*", "--file", callersPath])
        #expect(added.status == 0, "callers add: \(added.standardError)")
        let token = added.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!token.isEmpty && !token.contains("\n"))
        #expect(!added.standardError.contains(token))

        let port = try freePort()
        let serve = Process()
        let executable: URL = try #require(tesseraExecutable)
        serve.executableURL = executable
        serve.arguments = [
            "serve", "--port", "\(port)", "--callers", callersPath,
            "--master-key-file", packageRoot.appendingPathComponent("keys-dev/master-key.dev").path,
            "--argon2-workers", "1",
        ]
        serve.currentDirectoryURL = packageRoot
        let serverLog = directory.appendingPathComponent("serve.log")
        #expect(FileManager.default.createFile(atPath: serverLog.path, contents: nil))
        let logHandle = try FileHandle(forWritingTo: serverLog)
        serve.standardOutput = logHandle
        serve.standardError = logHandle
        serve.standardInput = FileHandle.nullDevice
        try serve.run()
        var stopped = false
        defer {
            if !stopped {
                serve.terminate()
                serve.waitUntilExit()
            }
        }

        let environment = ["TESSERA_CREDENTIAL": token]
        // Wait until the process listens: `tessera health` exits 0 once it answers.
        var healthy = try run(["health", "--port", "\(port)"], environment: environment)
        let deadline = ContinuousClock.now + .seconds(30)
        while healthy.status != 0 && ContinuousClock.now < deadline && serve.isRunning {
            try await Task.sleep(for: .milliseconds(200))
            healthy = try run(["health", "--port", "\(port)"], environment: environment)
        }
        let serveLogText = { (try? String(contentsOf: serverLog, encoding: .utf8)) ?? "" }
        #expect(healthy.status == 0, "tessera health: \(healthy.standardError)\nserve: \(serveLogText())")
        #expect(healthy.standardOutput.contains("SERVING"))

        let called = try run(
            ["call", "tessera.v1.Health/Check", "--json", "{}", "--port", "\(port)"], environment: environment
        )
        #expect(called.status == 0, "tessera call: \(called.standardError)")
        let json = try JSONSerialization.jsonObject(with: Data(called.standardOutput.utf8))
        #expect(json is [String: Any])

        var configuration = TesseraClient.Configuration(host: "127.0.0.1", port: port, credential: .init(token))
        configuration.connections = 1
        let client = try TesseraClient(configuration: configuration)
        #expect(try await client.health().isServing)
        let sealed = try await client.seal(Array("sealed by the process".utf8))
        #expect(try await client.open(sealed) == Array("sealed by the process".utf8))
        let phc = try await client.hashPassword("correct horse battery staple")
        #expect(try await client.verifyPassword("correct horse battery staple", against: phc).isValid)
        await client.shutdown()

        kill(serve.processIdentifier, SIGTERM)
        serve.waitUntilExit()
        stopped = true
        try logHandle.close()
        #expect(serve.terminationReason == .exit)
        #expect(serve.terminationStatus == 0, "serve: \(serveLogText())")
        #expect(!serveLogText().contains(token))

        // Stopped: the probe now fails.
        let after = try run(["health", "--port", "\(port)", "--timeout", "2"], environment: environment)
        #expect(after.status != 0)
    }
}
