import Foundation
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

/// `tessera serve` runs the sweeper in its service group: expired rows written before it started are gone after
/// its first runs, live ones stay, and its work is on `/metrics`.
@Suite(
    "End to end: the sweeper inside tessera serve",
    .enabled(if: tesseraExecutable != nil, "the tessera executable is built beside the tests"),
    .timeLimit(.minutes(5))
)
struct SweeperProcessTests {
    typealias Backend = ServeProcessTests.Backend

    private static func bytes() -> [UInt8] { (0..<32).map { _ in UInt8.random(in: 0...255) } }

    @Test(
        "expired rows are swept by the running server, live ones stay, the counts are on /metrics",
        arguments: Backend.allCases)
    func sweepsWhileServing(backend: Backend) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-sweep-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func run(_ store: [String]) async throws {
            let callers = try await migrateAndAddCaller(
                "sweep", allow: "tessera.v1.Health/*", store: store, in: directory)
            let user = try await withStore(flags: store) { store in
                let user = UserRecord(
                    email: "sweep-\(UUID().uuidString.prefix(8).lowercased())@example.com",
                    passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
                    createdAt: Date()
                )
                try await store.createUser(user)
                // Five sessions and three invitations that expired two days ago (past the default day of
                // retention), one live session.
                for _ in 0..<5 {
                    try await store.createSession(
                        SessionRecord(
                            userID: user.id, refreshTokenHash: Self.bytes(),
                            expiresAt: Date().addingTimeInterval(-2 * 86_400), createdAt: Date()
                        )
                    )
                }
                for _ in 0..<3 {
                    try await store.createInvitation(
                        InvitationRecord(
                            codeHash: Self.bytes(), expiresAt: Date().addingTimeInterval(-2 * 86_400),
                            createdAt: Date())
                    )
                }
                try await store.createSession(
                    SessionRecord(
                        userID: user.id, refreshTokenHash: Self.bytes(), expiresAt: Date().addingTimeInterval(3_600),
                        createdAt: Date()
                    )
                )
                return user.id
            }

            let metricsPort = try FreePort.find()
            let log = directory.appendingPathComponent("serve.log")
            let process = try ChildProcess.start(
                try #require(tesseraExecutable),
                [
                    "serve", "--development", "--port", "0", "--callers", callers, "--argon2-workers", "1",
                    "--metrics-port", "\(metricsPort)", "--sweep-interval", "0.2", "--sweep-batch", "2",
                ] + store,
                environment: ServeProcessTests.cleanEnvironment, inheriting: false,
                directory: endToEndPackageRoot.path, logFile: log.path
            )
            defer { if !process.hasExited { process.signal(SIGKILL) } }
            var scraped = ""
            let deadline = ContinuousClock.now + .seconds(120)
            while ContinuousClock.now < deadline && !process.hasExited {
                let curl = try await ChildProcess.run(
                    "/usr/bin/curl", ["-s", "--max-time", "5", "http://127.0.0.1:\(metricsPort)/metrics"]
                )
                scraped = curl.standardOutput
                if scraped.contains(#"tessera_sweeper_deleted_total{kind="sessions"} 5"#)
                    && scraped.contains(#"tessera_sweeper_deleted_total{kind="invitations"} 3"#)
                {
                    break
                }
                try await Task.sleep(for: .milliseconds(200))
            }
            let logText = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            #expect(scraped.contains(#"tessera_sweeper_deleted_total{kind="sessions"} 5"#), "\(scraped)\n\(logText)")
            #expect(scraped.contains(#"tessera_sweeper_deleted_total{kind="invitations"} 3"#))
            #expect(scraped.contains(#"tessera_sweeper_failures_total{kind="sessions"} 0"#))
            #expect(scraped.contains("tessera_sweeper_runs_total"))
            if backend == .postgres {
                // The migrations made 13 months; the test server's role may create more anyway.
                #expect(scraped.contains("tessera_audit_partitions_missing 0.0"))
            }
            let left = try await withStore(flags: store) { try await $0.sessions(userID: user) }
            #expect(left.count == 1)
            process.signal(SIGTERM)
            #expect(try await process.exitStatus() == 0, "serve: \(logText)")
        }
        switch backend {
        case .sqlite: try await run(["--sqlite-path", directory.appendingPathComponent("t.sqlite").path])
        case .postgres: try await TestPostgres.withTemporaryDatabase { url in try await run(["--database-url", url]) }
        }
    }
}
