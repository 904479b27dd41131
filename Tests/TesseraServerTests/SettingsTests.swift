import Foundation
import Logging
import TesseraCrypto
import Testing

@testable import TesseraServer
@testable import TesseraSettings

/// `tessera serve` settings, the callers file watcher, and the rate limiter's bucket.
@Suite("Settings and reloading", .timeLimit(.minutes(5)))
struct SettingsTests {
    @Test("File, environment and flags layer in that order; unknown keys and bad values are refused")
    func layering() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("serve-\(UUID()).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(#"{"port": 9000, "host": "0.0.0.0", "idle_timeout_seconds": 1.5, "max_calls_in_flight": 7}"#.utf8)
            .write(to: URL(fileURLWithPath: path))
        let file = try ServerSettings.load(from: path)
        let environment = try ServerSettings.fromEnvironment(["TESSERA_PORT": "9001", "TESSERA_PRODUCTION": "true"])
        var flags = ServerSettings()
        flags.host = "127.0.0.2"
        let settings = file.overlaid(by: environment).overlaid(by: flags)
        #expect(settings.port == 9001)
        #expect(settings.host == "127.0.0.2")
        #expect(settings.production == true)
        let configuration = try settings.serverConfiguration()
        #expect(configuration.port == 9001)
        #expect(configuration.idleTimeout == .milliseconds(1500))
        #expect(configuration.maxCallsInFlightPerConnection == 7)
        #expect(configuration.maxFrameBytes == 1 << 20)
        #expect(configuration.tls == nil)

        try Data(#"{"prot": 9000}"#.utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: ServerSettingsError.self) { try ServerSettings.load(from: path) }
        #expect(throws: ServerSettingsError.self) { try ServerSettings.fromEnvironment(["TESSERA_PORT": "http"]) }
        var half = ServerSettings()
        half.tlsCertificateChain = "server.pem"
        #expect(throws: ServerSettingsError.self) { try half.serverConfiguration() }
        var zero = ServerSettings()
        zero.maxConnections = 0
        #expect(throws: ServerSettingsError.self) { try zero.serverConfiguration() }
    }

    @Test("Timeouts: 0 means the default, larger values are capped")
    func timeouts() {
        let configuration = ServerConfiguration(defaultTimeout: .seconds(2), maxTimeout: .seconds(5))
        #expect(configuration.timeout(forRequested: 0) == .seconds(2))
        #expect(configuration.timeout(forRequested: 1500) == .milliseconds(1500))
        #expect(configuration.timeout(forRequested: UInt32.max) == .seconds(5))
    }

    @Test("A token bucket allows its burst, then refills at its rate")
    func bucket() {
        let start = ContinuousClock.now
        var bucket = TokenBucket(capacity: 2, refillPerSecond: 10, now: start)
        let offsets: [Duration] = [
            .zero, .zero, .zero, .milliseconds(50), .milliseconds(110), .seconds(10), .seconds(10), .seconds(10),
        ]
        let taken = offsets.map { bucket.tryTake(now: start + $0) }
        #expect(taken == [true, true, false, false, true, true, true, false])
    }

    @Test("The watcher reloads the callers file when it changes, and keeps the old callers on a broken file")
    func watcher() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("callers-\(UUID()).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let first = OpaqueToken.generate(.caller)
        let second = OpaqueToken.generate(.caller)
        try CallersFile(callers: [.init(id: "first", credentialSHA256: first.digest.hex, allow: ["*"])]).write(to: path)
        let registry = try CallerRegistry.load(from: path)
        let watcher = CallersFileWatcher(
            path: path, registry: registry, pollInterval: .milliseconds(20),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await watcher.run() }
            // Modification times may have a one-second resolution: make the change visibly later.
            try await Task.sleep(for: .milliseconds(1100))
            try CallersFile(callers: [.init(id: "second", credentialSHA256: second.digest.hex, allow: ["*"])])
                .write(to: path)
            var reloaded = false
            // Bounded, generous wait: on a loaded CI machine the poll task can be scheduled late.
            for _ in 0..<1000 where !reloaded {
                try await Task.sleep(for: .milliseconds(20))
                reloaded = registry.callers.map(\.id) == ["second"]
            }
            #expect(reloaded)
            try await Task.sleep(for: .milliseconds(1100))
            try Data("{ not json".utf8).write(to: URL(fileURLWithPath: path))
            try await Task.sleep(for: .milliseconds(200))
            #expect(registry.callers.map(\.id) == ["second"])
            group.cancelAll()
        }
    }
}
