import Foundation
import PostgresNIO
import TesseraStore
import TesseraTestSupport
import Testing

@testable import TesseraStorePostgres

/// `ops/postgres/bootstrap.sql`: applied as a superuser, then migrations as the migration role, then the store's
/// operations as the runtime role, which is refused everything else with `permission denied`.
///
/// (`TesseraAuditTests`' ordinary-role test is the other half: a role that *has* table privileges on the audit
/// log is still stopped by its triggers. Here the runtime role lacks the privileges in the first place.)
@Suite("PostgreSQL roles from ops/postgres/bootstrap.sql", .timeLimit(.minutes(5)))
struct PostgresRolesTests {
    /// The bootstrap file, found from this source file's place in the repository.
    private static let bootstrapPath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ops/postgres/bootstrap.sql").path

    /// Role names are cluster-wide, and the test server is shared by every suite: unique names per run.
    private struct Roles {
        let suffix = UUID().uuidString.prefix(8).lowercased()
        var migration: String { "tessera_migrate_\(self.suffix)" }
        var runtime: String { "tessera_app_\(self.suffix)" }
    }

    @Test("the runtime role serves the store; DDL, audit changes and anything outside Tessera are denied")
    func bootstrapRoles() async throws {
        let roles = Roles()
        try await TestPostgres.withTemporaryDatabase { url in
            let superuser = try PostgresStoreConfiguration(url: url, maximumConnections: 2)
            do {
                try await Self.bootstrapMigrateAndExercise(url: url, roles: roles)
            } catch {
                try? await Self.dropRoles(roles, superuser: superuser)
                throw error
            }
            try await Self.dropRoles(roles, superuser: superuser)
        }
    }

    private static func bootstrapMigrateAndExercise(url: String, roles: Roles) async throws {
        let superuser = try PostgresStoreConfiguration(url: url, maximumConnections: 2)
        // Something outside Tessera's schemas that the runtime role must not reach.
        try await PostgresStore.withStore(configuration: superuser) { store in
            try await store.rows("CREATE TABLE public.outside (secret text)")
            try await store.rows("INSERT INTO public.outside VALUES ('not for tessera')")
        }
        try await Self.applyBootstrap(url: url, roles: roles)
        // The runtime password is read from the environment (\getenv) and stored hashed; none for the other.
        try await PostgresStore.withStore(configuration: superuser) { store in
            let passwords = try await store.rows(
                """
                SELECT rolname, coalesce(rolpassword LIKE 'SCRAM-SHA-256$%', false) FROM pg_authid
                WHERE rolname IN (\(roles.migration), \(roles.runtime)) ORDER BY rolname
                """
            ).map { try $0.decode((String, Bool).self) }
            #expect(passwords.map(\.1) == [true, false])
        }

        // Migrations as the migration role, then the narrowing run of the same file (idempotent).
        try await PostgresStore.withStore(configuration: Self.configuration(url, user: roles.migration)) { store in
            #expect(try await store.migrate().count == PostgresMigrations.all.count)
            let owners = try await store.rows(
                """
                SELECT DISTINCT pg_get_userbyid(c.relowner) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname IN ('auth', 'providers', 'audits', 'tessera')
                """
            ).map { try $0.decode(String.self) }
            #expect(owners == [roles.migration])
        }
        try await Self.applyBootstrap(url: url, roles: roles)

        let runtime = try Self.configuration(url, user: roles.runtime)
        try await PostgresStore.withStore(configuration: runtime) { store in
            try await Self.exerciseStore(store)
            try await Self.expectForbidden(store)
        }

        // Tables and partitions the migration role creates later get the runtime role's defaults at once.
        try await PostgresStore.withStore(configuration: Self.configuration(url, user: roles.migration)) { store in
            try await store.rows("CREATE TABLE tessera.later (id bigserial PRIMARY KEY, note text)")
            try await store.rows("SELECT audits.ensure_partitions(now() + interval '5 years', 1)")
        }
        try await PostgresStore.withStore(configuration: runtime) { store in
            try await store.rows("INSERT INTO tessera.later (note) VALUES ('x')")
            #expect(try await store.rows("SELECT count(*) FROM tessera.later").first?.decode(Int.self) == 1)
            let partition = try #require(
                try await store.rows(
                    """
                    SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = 'audits' AND c.relname ~ '^audit_log_[0-9]{4}_[0-9]{2}$'
                    ORDER BY c.relname DESC LIMIT 1
                    """
                ).first?.decode(String.self))
            // The one made just now, five years ahead: readable, and as append-only as the others.
            #expect(partition.hasPrefix("audits.audit_log_20"))
            #expect(try await store.rows("SELECT count(*) FROM \(unescaped: partition)").first?.decode(Int.self) == 0)
            for statement in [
                "TRUNCATE \(partition)", "DELETE FROM \(partition)", "UPDATE \(partition) SET action = 'x'",
                "TRUNCATE tessera.later", "CREATE INDEX later_note ON tessera.later (note)",
            ] {
                await Self.expectDenied(store, statement)
            }
        }
    }

    /// What the server and the keyring CLI do, through the store's own code paths.
    private static func exerciseStore(_ store: PostgresStore) async throws {
        try await store.checkSchema()
        // Keyring: the first version, a rotation, counts, the revision the replicas poll.
        try await store.insertMasterKeyVersion(
            MasterKeyVersionRecord(version: 1, wrappedKey: randomBytes(60), createdAt: Clock.now))
        try await store.insertMasterKeyVersion(
            MasterKeyVersionRecord(version: 2, wrappedKey: randomBytes(60), createdAt: Clock.now))
        #expect(try await store.masterKeyVersions().map(\.state) == [.decryptOnly, .active])
        #expect(try await store.adjustDEKCount(version: 2, delta: 1) == 1)
        #expect(try await store.keyringRevision() >= 2)

        // Users, login bookkeeping, sessions with an audited rotation.
        var user = makeUser()
        try await store.createUser(user)
        user.verified = true
        try await store.updateUser(user)
        _ = try await store.recordFailedLogin(
            userID: user.id, now: Clock.now, lockThreshold: 5, lockDuration: .seconds(60))
        try await store.recordSuccessfulLogin(userID: user.id, now: Clock.now)
        let session = SessionRecord(
            userID: user.id, refreshTokenHash: randomBytes(), expiresAt: Clock.later(3600), createdAt: Clock.now)
        try await store.createSession(session)
        let rotation = try await store.rotateRefreshToken(
            oldHash: session.refreshTokenHash, newHash: randomBytes(), newExpiresAt: Clock.later(7200),
            now: Clock.later(10), graceWindow: .seconds(5), audit: auditEveryOutcome, seal: testSeal)
        guard case .rotated = rotation.outcome else {
            Issue.record("expected a rotation, got \(rotation.outcome)")
            return
        }
        #expect(rotation.auditEntry?.action == "refresh.rotated")
        _ = try await store.revokeSessions(userID: user.id, now: Clock.later(20))

        // Invitations, resets, provider keys, TOTP state.
        let code = randomBytes()
        try await store.createInvitation(
            InvitationRecord(codeHash: code, expiresAt: Clock.later(60), createdAt: Clock.now))
        _ = try await store.redeemInvitation(codeHash: code, now: Clock.now)
        let token = randomBytes()
        try await store.createPasswordReset(
            PasswordResetRecord(userID: user.id, tokenHash: token, expiresAt: Clock.later(60), createdAt: Clock.now))
        _ = try await store.consumePasswordReset(tokenHash: token, now: Clock.now)
        var key = ProviderKeyRecord(
            userID: user.id, providerName: "OpenAI", providerType: "openai", encryptedAPIKey: randomBytes(),
            encryptedDEK: randomBytes(), keyLast4Chars: "1234", createdAt: Clock.now)
        try await store.createProviderKey(key)
        key.isActive = false
        try await store.updateProviderKey(key)
        #expect(try await store.acceptTOTPStep(userID: user.id, step: 100))
        try await store.replaceRecoveryCodes(
            userID: user.id, codeHashes: [randomBytes(), randomBytes()], now: Clock.now)
        try await store.replaceRecoveryCodes(userID: user.id, codeHashes: [code], now: Clock.now)
        #expect(try await store.consumeRecoveryCode(userID: user.id, codeHash: code, now: Clock.now))

        // The audit log: append and read.
        let entry = try await store.appendAuditEntry(
            AuditEntryDraft(entity: "user", action: "created", actorID: user.id, timestamp: Clock.now), seal: testSeal)
        #expect(try await store.auditEntries(after: 0, limit: 10).last == entry)

        // Clean-up paths.
        #expect(try await store.deleteProviderKey(id: key.id))
        _ = try await store.deleteExpiredSessions(before: Clock.later(86_400), limit: 1_000)
        _ = try await store.deleteExpiredInvitations(before: Clock.later(86_400), limit: 1_000)
        _ = try await store.deleteExpiredPasswordResets(before: Clock.later(86_400), limit: 1_000)
        #expect(try await store.deleteUser(id: user.id))
    }

    /// Statements the runtime role must be refused by the privilege system itself.
    private static func expectForbidden(_ store: PostgresStore) async throws {
        let partition = try #require(
            try await store.rows("SELECT tableoid::regclass::text FROM audits.audit_log ORDER BY id LIMIT 1")
                .first?.decode(String.self))
        for statement in [
            // DDL, anywhere.
            "CREATE TABLE tessera.extra (id int)",
            "CREATE TABLE auth.extra (id int)",
            "CREATE TABLE public.extra (id int)",
            "CREATE TEMPORARY TABLE extra (id int)",
            "CREATE SCHEMA extra",
            "CREATE FUNCTION auth.extra() RETURNS int LANGUAGE sql AS 'SELECT 1'",
            "DROP TABLE auth.sessions",
            "DROP SCHEMA audits CASCADE",
            "ALTER TABLE auth.users ADD COLUMN extra int",
            "ALTER TABLE audits.audit_log DISABLE TRIGGER USER",
            "DROP TRIGGER audit_log_refuse_update_delete ON audits.audit_log",
            "CREATE INDEX extra ON auth.users (email)",
            // The audit log and its partitions: append only.
            "UPDATE audits.audit_log SET action = 'forged'",
            "DELETE FROM audits.audit_log",
            "TRUNCATE audits.audit_log",
            "UPDATE \(partition) SET action = 'forged'",
            "DELETE FROM \(partition)",
            "TRUNCATE \(partition)",
            "TRUNCATE audits.audit_log_default",
            // Tessera's bookkeeping beyond what the code issues.
            "INSERT INTO tessera.schema_migrations (version, name) VALUES (99, 'forged')",
            "DELETE FROM tessera.schema_migrations",
            "DELETE FROM tessera.keyring_versions",
            "DELETE FROM tessera.audit_legacy_head",
            "UPDATE audits.audit_checkpoints SET signature = ''",
            "DELETE FROM audits.audit_sequence",
            "INSERT INTO tessera.keyring_head (id, revision) VALUES (2, 0)",
            "TRUNCATE auth.users",
            "UPDATE auth.audit_logs SET event_type = 'x'",
            "SELECT audits.ensure_partitions(now(), 1)",
            // Outside Tessera, and the triggers' off switch.
            "SELECT * FROM pg_authid",
            "SELECT * FROM public.outside",
            "SET session_replication_role = replica",
        ] {
            await Self.expectDenied(store, statement)
        }
    }

    /// Expects `sql` to fail with SQLSTATE 42501 from a privilege or ownership check (not from a trigger, which
    /// raises the same state with its own message).
    private static func expectDenied(
        _ store: PostgresStore, _ sql: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async {
        do {
            _ = try await store.client.query(PostgresQuery(unsafeSQL: sql), logger: store.logger).collect()
            Issue.record("allowed for the runtime role: \(sql)", sourceLocation: sourceLocation)
        } catch let error as PSQLError {
            let state = error.serverInfo?[.sqlState]
            let message = error.serverInfo?[.message] ?? ""
            #expect(
                state == "42501" && (message.hasPrefix("permission denied") || message.hasPrefix("must be owner")),
                "\(sql): \(state ?? "no state") \(message)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(sql): unexpected \(type(of: error))", sourceLocation: sourceLocation)
        }
    }

    private static func applyBootstrap(url: String, roles: Roles) async throws {
        try await TestPostgres.psql(
            url: url,
            [
                "-q", "-v", "ON_ERROR_STOP=1", "-v", "migration_role=\(roles.migration)",
                "-v", "runtime_role=\(roles.runtime)", "-f", Self.bootstrapPath,
            ],
            environment: ["TESSERA_RUNTIME_PASSWORD": "runtime-\(roles.suffix)"]
        )
    }

    private static func configuration(_ url: String, user: String) throws -> PostgresStoreConfiguration {
        var components = try #require(URLComponents(string: url))
        components.user = user
        components.password = nil
        return try PostgresStoreConfiguration(url: try #require(components.string), maximumConnections: 2)
    }

    private static func dropRoles(_ roles: Roles, superuser: PostgresStoreConfiguration) async throws {
        try await PostgresStore.withStore(configuration: superuser) { store in
            for role in [roles.runtime, roles.migration] {
                try await store.rows("DROP OWNED BY \(unescaped: role) CASCADE")
                try await store.rows("DROP ROLE \(unescaped: role)")
            }
        }
    }
}
