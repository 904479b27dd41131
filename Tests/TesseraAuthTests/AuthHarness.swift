import Foundation
import Synchronization
import TesseraAudit
import TesseraAuth
import TesseraCrypto
import TesseraStore
import TesseraStorePostgres
import TesseraStoreSQLite
import TesseraTestSupport
import Testing

/// A clock the tests move by hand.
final class TestClock: Sendable {
    private let instant = Mutex(Date(timeIntervalSince1970: 1_800_000_000))

    var now: Date { instant.withLock { $0 } }

    func advance(_ seconds: TimeInterval) {
        instant.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    var auth: AuthClock { AuthClock { self.now } }
}

/// The flows over a real store of each backend, a real (fast) hasher, a real cipher and audit log.
enum AuthBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case postgres
    case sqlite

    var testDescription: String { rawValue }

    /// A fast policy: the tests exercise the flows, not Argon2's cost.
    static func testPolicy() throws -> PasswordPolicy { try PasswordPolicy(memoryKiB: 1_024, iterations: 1) }

    struct Harness: Sendable {
        let flows: AuthFlows
        let store: any TesseraStore
        let clock: TestClock
        let cipher: EnvelopeCipher
        let auditKey: AuditSigningKey

        /// Every audit entry so far, in order.
        func auditEntries() async throws -> [AuditEntryRecord] {
            try await store.auditEntries(after: 0, limit: 10_000)
        }

        /// A second flows value over another store of the same database (a second replica).
        func replica(_ other: any TesseraStore, policy: AuthPolicy) async throws -> AuthFlows {
            try await AuthFlows.make(
                store: other,
                hasher: try PasswordHasher(configuration: .init(policy: try AuthBackend.testPolicy(), maxQueued: 64)),
                cipher: cipher, audit: AuditLog(store: other, key: auditKey), keys: keys, policy: policy,
                clock: clock.auth
            )
        }

        let keys: AuthKeys
    }

    /// Runs `body` with flows over a fresh, migrated database of this backend, and a second store on the same
    /// database (as a second replica would have).
    func with<Result: Sendable>(
        policy: AuthPolicy = AuthPolicy(),
        hasherPolicy: PasswordPolicy? = nil,
        _ body: (Harness, any TesseraStore) async throws -> Result
    ) async throws -> Result {
        try await withStores { store, second in
            _ = try await store.migrate()
            let clock = TestClock()
            let cipher = EnvelopeCipher(keyring: try Keyring.generate())
            let auditKey = AuditSigningKey(material: .random(count: 32))
            let keys = AuthKeys.random()
            let hasher = try PasswordHasher(
                configuration: .init(policy: try hasherPolicy ?? AuthBackend.testPolicy(), workers: 2, maxQueued: 64)
            )
            let flows = try await AuthFlows.make(
                store: store, hasher: hasher, cipher: cipher, audit: AuditLog(store: store, key: auditKey),
                keys: keys, policy: policy, clock: clock.auth
            )
            let harness = Harness(
                flows: flows, store: store, clock: clock, cipher: cipher, auditKey: auditKey, keys: keys
            )
            let result = try await body(harness, second)
            try await hasher.shutdown()
            return result
        }
    }

    private func withStores<Result: Sendable>(
        _ body: (any TesseraStore, any TesseraStore) async throws -> Result
    ) async throws -> Result {
        switch self {
        case .postgres:
            return try await TestPostgres.withTemporaryDatabase { url in
                let configuration = try PostgresStoreConfiguration(url: url, maximumConnections: 8)
                return try await PostgresStore.withStore(configuration: configuration) { first in
                    try await PostgresStore.withStore(configuration: configuration) { second in
                        try await body(first, second)
                    }
                }
            }
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("tessera-auth-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            let configuration = SQLiteStoreConfiguration(path: directory.appendingPathComponent("t.sqlite").path)
            return try await SQLiteStore.withStore(configuration: configuration) { first in
                try await SQLiteStore.withStore(configuration: configuration) { second in
                    try await body(first, second)
                }
            }
        }
    }
}

/// A unique email address.
func newEmail() -> String { "user-\(UUID().uuidString.prefix(8).lowercased())@example.com" }

/// A password that passes the default rules.
let goodPassword = "correct horse battery staple"

/// Registers a user and returns its id.
func registered(_ flows: AuthFlows, _ email: String, _ password: String = goodPassword) async throws -> UUID {
    guard case .registered(let id) = try await flows.register(email: email, password: password) else {
        Issue.record("registration was refused")
        throw AuthError(.failedPrecondition, "registration refused")
    }
    return id
}

/// Signs in without a second factor and returns the session.
func signedIn(_ flows: AuthFlows, _ email: String, _ password: String = goodPassword) async throws -> IssuedSession {
    guard case .session(let session) = try await flows.authenticate(email: email, password: password) else {
        Issue.record("sign-in did not give a session")
        throw AuthError(.failedPrecondition, "no session")
    }
    return session
}

/// Expects an ``AuthError`` with `code`.
func expectAuthError(
    _ code: AuthError.Code,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async {
    do {
        try await body()
        Issue.record("expected AuthError \(code), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as AuthError {
        #expect(error.code == code, sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected AuthError \(code), got \(error)", sourceLocation: sourceLocation)
    }
}
