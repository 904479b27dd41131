import Foundation
import TesseraClient
import TesseraStore
import TesseraStoreSQLite
import TesseraWire
import Testing

/// `tessera.v1.Admin` over real sockets, on a real store: refusals as one-line statuses with nothing changed, the
/// grants, and the audit record of every call with its caller.
@Suite("End to end: the Admin service", .timeLimit(.minutes(5)))
struct AdminServiceTests {
    /// Runs `body` and returns the status code of the TesseraClientError it throws (nil when it does not throw).
    func statusCode(_ body: () async throws -> Void) async -> (StatusCode?, String) {
        do {
            try await body()
            return (nil, "")
        } catch let error as TesseraClientError {
            return (error.code.statusCode, error.message)
        } catch {
            return (.unknown, "\(error)")
        }
    }

    @Test("rotate, rewrap start/twice/pause, retire refusals, audit verification; every call audited with its caller")
    func adminCalls() async throws {
        try await AuthEndToEndTests.withServers(.sqlite, withAdmin: true) { servers, path in
            let admin = try servers[0].client(token: servers[0].adminToken)
            let login = try servers[0].client(token: AuthEndToEndTests.loginService.reveal())
            defer {
                Task {
                    await admin.shutdown()
                    await login.shutdown()
                }
            }
            #expect(try await admin.keyringStatus().activeVersion == 1)
            #expect(try await admin.rotateMasterKey() == 2)

            // A caller without the Admin grants.
            let (denied, _) = await statusCode { _ = try await login.keyringStatus() }
            #expect(denied == .permissionDenied)

            // Retiring the active version, an unknown one, or one still wrapping keys: refused, nothing changed.
            let (active, activeMessage) = await statusCode { try await admin.retireMasterKey(version: 2) }
            #expect(active == .failedPrecondition)
            #expect(activeMessage.contains("active version") && !activeMessage.contains("\n"))
            let (unknown, _) = await statusCode { try await admin.retireMasterKey(version: 9) }
            #expect(unknown == .notFound)
            #expect(try await admin.keyringStatus().versions.map(\.state) == [.decryptOnly, .active])

            // Started twice: the second is refused; no replica runs it here, so it stays running until paused.
            let started = try await admin.startRewrap(batchSize: 10, pauseMilliseconds: 5)
            #expect(started.state == .running && started.targetVersion == 2 && started.batchSize == 10)
            let (twice, twiceMessage) = await statusCode { _ = try await admin.startRewrap() }
            #expect(twice == .failedPrecondition && twiceMessage.contains("already running"))
            #expect(try await admin.rewrapStatus().batchSize == 10, "the refused start changed nothing")
            #expect(try await admin.pauseRewrap().state == .paused)
            let (pausedTwice, _) = await statusCode { _ = try await admin.pauseRewrap() }
            #expect(pausedTwice == .failedPrecondition)
            #expect(try await admin.startRewrap().state == .running, "a paused rewrap is resumed")
            let (pausedAgain, _) = await statusCode { _ = try await admin.pauseRewrap() }
            #expect(pausedAgain == nil)
            let (outOfRange, _) = await statusCode { _ = try await admin.startRewrap(pauseMilliseconds: 60_001) }
            #expect(outOfRange == .invalidArgument)

            // The audit chain: its summary, a verification now, then the summary reports it.
            #expect(try await admin.auditSummary().hasLastVerification == false)
            let verification = try await admin.verifyAudit()
            #expect(verification.intact && verification.entries > 0)
            let summary = try await admin.auditSummary()
            #expect(summary.lastVerification.intact && summary.entries >= verification.entries)

            let store = try #require(path)
            let entries = try await SQLiteStore.withStore(configuration: SQLiteStoreConfiguration(path: store)) {
                try await $0.auditEntries(after: 0, limit: 1000)
            }
            let calls = entries.filter { $0.entity == "admin" }
            #expect(calls.allSatisfy { $0.payload["caller"] == "admin" })
            #expect(
                calls.contains {
                    $0.action == "admin.retire" && $0.payload["outcome"] == "refused"
                        && $0.payload["reason"] == "active_version" && $0.payload["version"] == "2"
                })
            #expect(calls.contains { $0.action == "admin.rewrap_start" && $0.payload["reason"] == "rewrap_running" })
            #expect(calls.contains { $0.action == "admin.rotate" && $0.payload["outcome"] == "succeeded" })
            #expect(calls.contains { $0.action == "admin.audit_verify" })
            // The refused PERMISSION_DENIED call never reached the service.
            #expect(!calls.contains { $0.payload["caller"] == "login" })
        }
    }
}
