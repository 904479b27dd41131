import Foundation
import Synchronization
import TesseraClient
import TesseraCrypto
import TesseraStore
import TesseraStorePostgres
import TesseraTestSupport
import TesseraWire
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The package's root directory, where the development keys are found.
private let racePackageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Two `tessera serve` processes on one throwaway PostgreSQL database, as two replicas behind a load balancer:
/// whatever must hold across replicas (refresh rotation, lockout counters) is decided in the database, so
/// concurrent calls split between the processes behave as if there were one.
@Suite(
    "End to end: two tessera serve processes on one PostgreSQL",
    .enabled(if: tesseraExecutable != nil, "the tessera executable is built beside the tests"),
    .timeLimit(.minutes(10))
)
struct TwoProcessRaceTests {
    static let password = "a long and unusual passphrase"

    /// A running `tessera serve` and the port it reported.
    private struct Server {
        let process: ChildProcess
        let log: URL
        let port: Int?

        var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
    }

    /// Runs `tessera ARGUMENTS` to completion from the package root.
    private func tessera(_ arguments: [String]) async throws -> ChildProcess.Outcome {
        try await ChildProcess.run(
            try #require(tesseraExecutable), arguments, environment: ServeProcessTests.cleanEnvironment,
            inheriting: false, directory: racePackageRoot.path
        )
    }

    /// Starts `tessera serve --port 0` and reads the port it bound from its `listening` log line.
    private func startServer(_ index: Int, in directory: URL, url: String) async throws -> Server {
        let log = directory.appendingPathComponent("serve-\(index).log")
        let process = try ChildProcess.start(
            try #require(tesseraExecutable),
            [
                "serve", "--development", "--port", "0", "--no-metrics", "--keyring-poll", "1",
                "--callers", directory.appendingPathComponent("callers.json").path,
                // Twenty Argon2 verifications may queue at once on one process.
                "--argon2-workers", "1", "--argon2-max-queued", "64", "--database-url", url,
            ],
            environment: ServeProcessTests.cleanEnvironment, inheriting: false, directory: racePackageRoot.path,
            logFile: log.path
        )
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline && !process.hasExited {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let port = Self.listeningPort(in: text) {
                return Server(process: process, log: log, port: port)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return Server(process: process, log: log, port: nil)
    }

    /// The port of the server's `listening … address=[IPv4]127.0.0.1/127.0.0.1:PORT` log line, if it was written.
    static func listeningPort(in log: String) -> Int? {
        for line in log.split(separator: "\n") where line.contains("listening") {
            guard let start = line.range(of: "address=") else { continue }
            let address = line[start.upperBound...].prefix { $0 != " " }
            if let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) {
                return port
            }
        }
        return nil
    }

    /// One database, two `serve` processes on it, one client for each; `body` gets the clients and the URL (to
    /// read the store directly). The processes are stopped with SIGTERM afterwards and must exit 0 without having
    /// logged a secret; they are killed if `body` fails.
    func withTwoServers(
        _ body: (_ clients: [TesseraClient], _ url: String, _ needles: inout [String]) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-race-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await TestPostgres.withTemporaryDatabase { url in
            let migrated = try await tessera(["migrate", "--database-url", url])
            try #require(migrated.status == 0, "migrate: \(migrated.standardError)")
            let added = try await tessera(
                [
                    "callers", "add", "race", "--allow", "*", "--file",
                    directory.appendingPathComponent("callers.json").path,
                ]
            )
            try #require(added.status == 0, "callers add: \(added.standardError)")
            let token = added.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)

            // One after the other: the first bootstraps the keyring, the second finds it.
            var servers: [Server] = []
            defer {
                for server in servers where !server.process.hasExited { server.process.signal(SIGKILL) }
            }
            for index in 0..<2 {
                let server = try await startServer(index, in: directory, url: url)
                servers.append(server)
                try #require(server.port != nil, "serve \(index) did not start: \(server.logText)")
            }
            let clients = try servers.map { server in
                var configuration = TesseraClient.Configuration(
                    host: "127.0.0.1", port: server.port ?? 0, credential: .init(token)
                )
                configuration.connections = 4
                configuration.defaultTimeout = .seconds(60)  // generous: two loaded cores
                return try TesseraClient(configuration: configuration)
            }
            var needles = [token, Self.password]
            do {
                try await body(clients, url, &needles)
            } catch {
                for client in clients { await client.shutdown() }
                throw error
            }
            for client in clients { await client.shutdown() }
            for server in servers {
                server.process.signal(SIGTERM)
                #expect(try await server.process.exitStatus() == 0, "serve: \(server.logText)")
                for needle in needles {
                    #expect(!server.logText.contains(needle), "a secret reached a server's log")
                }
            }
        }
    }

    /// Reads the store directly, as a third party to both processes.
    func withStore<Result: Sendable>(
        _ url: String, _ body: (any TesseraStore) async throws -> Result
    ) async throws -> Result {
        try await PostgresStore.withStore(configuration: try PostgresStoreConfiguration(url: url)) {
            try await body($0)
        }
    }

    @Test("20 concurrent refreshes of one token, alternating between the processes: one successor row, one token")
    func refreshRace() async throws {
        try await withTwoServers { clients, url, needles in
            let email = "race-\(UUID().uuidString.prefix(8).lowercased())@example.com"
            let userID = try #require(
                UUID(uuidString: try await clients[0].register(email: email, password: Self.password).userID))
            let signIn = try await clients[0].authenticate(email: email, password: Self.password)
            guard case .session(let session) = signIn.result else {
                Issue.record("the sign-in gave no session")
                return
            }
            let token = session.refreshToken
            needles.append(token)

            let outcomes = try await withThrowingTaskGroup(of: Tessera_V1_RefreshResponse.self) { group in
                for index in 0..<20 {
                    let client = clients[index % 2]
                    group.addTask { try await client.refresh(token: token) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.count == 20)
            let successors = outcomes.compactMap { outcome -> String? in
                guard case .session(let next) = outcome.result else { return nil }
                return next.refreshToken
            }
            // Inside the 10 s grace window every caller gets the successor, not a refusal.
            #expect(successors.count == 20, "\(20 - successors.count) of the 20 refreshes were refused")
            #expect(Set(successors).count == 1)
            let successor = try #require(successors.first)
            #expect(successor != token && successor.hasPrefix("tsr_"))
            needles.append(successor)

            // In the database: the original, rotated, and exactly one successor, the current row, whose hash is
            // the token every caller got.
            let rows = try await withStore(url) { try await $0.sessions(userID: userID) }
            #expect(rows.count == 2)
            let current = rows.filter(\.isCurrent)
            #expect(current.count == 1)
            let digest = try OpaqueToken.parse(successor, expecting: .refresh).digest.rawBytes
            #expect(current.first?.refreshTokenHash == digest)
            #expect(rows.filter { !$0.isCurrent }.allSatisfy { $0.rotatedAt != nil && $0.revokedAt == nil })
            #expect(Set(rows.map(\.familyID)).count == 1)
        }
    }

    @Test("10 concurrent wrong passwords across the processes lock the account with exactly 10 counted; an 11th is not")
    func lockoutRace() async throws {
        try await withTwoServers { clients, url, needles in
            let email = "lockout-\(UUID().uuidString.prefix(8).lowercased())@example.com"
            let userID = try #require(
                UUID(uuidString: try await clients[1].register(email: email, password: Self.password).userID))
            // `tessera serve` has no lockout setting: the default locks at 10 failures.
            let wrong = "not the password, but long enough"
            needles.append(wrong)
            let outcomes = try await withThrowingTaskGroup(of: Tessera_V1_AuthenticateResponse.self) { group in
                for index in 0..<10 {
                    let client = clients[index % 2]
                    group.addTask { try await client.authenticate(email: email, password: wrong) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.count == 10)
            #expect(outcomes.allSatisfy { $0.invalidCredentials == Tessera_V1_InvalidCredentials() })

            let locked = try #require(try await withStore(url) { try await $0.user(id: userID) })
            #expect(locked.failedLoginAttempts == 10)
            #expect((locked.lockedUntil ?? .distantPast) > Date())

            // While locked: refused (even with the right password) and not counted.
            let eleventh = try await clients[0].authenticate(email: email, password: wrong)
            #expect(eleventh.invalidCredentials == Tessera_V1_InvalidCredentials())
            let right = try await clients[1].authenticate(email: email, password: Self.password)
            #expect(right.invalidCredentials == Tessera_V1_InvalidCredentials())
            let after = try #require(try await withStore(url) { try await $0.user(id: userID) })
            #expect(after.failedLoginAttempts == 10)
            #expect(after.lockedUntil == locked.lockedUntil)
        }
    }
}

extension TwoProcessRaceTests {
    @Test(
        "20 concurrent Gets of provider keys across the processes while tessera keys rotate and rewrap run: all right"
    )
    func providerKeyRotationRace() async throws {
        try await withTwoServers { clients, url, needles in
            var expected: [(String, String)] = []
            for index in 0..<4 {
                let email = "pk-race-\(index)-\(UUID().uuidString.prefix(8).lowercased())@example.com"
                let userID = try await clients[0].register(email: email, password: Self.password).userID
                let key = "sk-race-\(UUID().uuidString)"
                needles.append(key)
                _ = try await clients[index % 2].putProviderKey(userID: userID, providerType: "openai", apiKey: key)
                expected.append((userID, key))
            }
            let keys = expected
            let done = RaceFlag()
            let outcomes = try await withThrowingTaskGroup(of: [Bool].self) { group in
                group.addTask {
                    // Another process rotates and re-wraps, twice; the servers see it within their 1 s poll, or at
                    // the first key they cannot open.
                    for _ in 0..<2 {
                        let rotated = try await tessera(["keys", "rotate", "--database-url", url])
                        #expect(rotated.status == 0, "keys rotate: \(rotated.standardError)")
                        // A replica's rewrap job may claim the rewrap this command starts before the command
                        // does: the command then follows it to its end and reports it, with exit 0, once.
                        let rewrapped = try await tessera(
                            ["keys", "rewrap", "--batch-size", "1", "--database-url", url])
                        #expect(rewrapped.status == 0, "keys rewrap: \(rewrapped.standardError)")
                        #expect(
                            rewrapped.standardOutput.contains("data keys to version"), "\(rewrapped.standardOutput)")
                    }
                    done.raise()
                    return []
                }
                for index in 0..<20 {
                    let client = clients[index % 2]
                    let (userID, key) = keys[index % keys.count]
                    group.addTask {
                        var results: [Bool] = []
                        repeat {
                            let got = try await client.providerKey(userID: userID, providerType: "openai")
                            results.append(got.apiKey == key)
                        } while !done.isRaised
                        let got = try await client.providerKey(userID: userID, providerType: "openai")
                        results.append(got.apiKey == key)
                        return results
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(outcomes.count >= 20)
            #expect(outcomes.allSatisfy { $0 }, "\(outcomes.filter { !$0 }.count) Gets returned a wrong key")
            // Every data key is under the newest version, and the counts say so.
            let versions = try await withStore(url) { try await $0.masterKeyVersions() }
            #expect(versions.map(\.dekCount) == [0, 0, 4])
        }
    }
}

/// Raised once by one task, read by others.
private final class RaceFlag: Sendable {
    private let raised = Mutex(false)

    var isRaised: Bool { raised.withLock { $0 } }

    func raise() { raised.withLock { $0 = true } }
}
