import Foundation
import TesseraStore

/// pgbench's script for the baseline of `Sessions/Refresh`: the SQL one refresh sends to PostgreSQL.
///
/// `AuthFlows.refresh` derives the successor token (HMAC, in the process), then calls `AuditLog.rotateRefreshToken`,
/// which is the store's audited rotation in one transaction (the prepared statements of `PostgresStatements`:
/// `Begin`, `SessionForUpdateTakingEntryID`, `RotateSessionAppendingEntry`, `Commit`), then reads the user by
/// id outside it (`PostgresStore.user(id:)`). This script runs those statements, with today's column lists
/// (`family_expires_at` included), the entry's payload keys, and `-M prepared`. Differences, all in pgbench's favour:
/// the values the process computes (the time, the successor's id, token hashes, the audit hash and signature) come
/// from the server (`now()`, `gen_random_uuid()`, `sha256(int8send(n))`); the user `SELECT` is prepared (the store
/// sends it as an unprepared query); nothing is decoded or checked.
///
/// Tokens are numbered as in ``Pgbench/script``: token `n` of client `c` has the hash
/// `sha256(int8send(base + c × 10⁹ + n))`, and the benchmark seeds token 0 of every client's session first.
enum AuthRefreshPgbench {
    /// The custom script (`-f`).
    static let script = """
        \\set h :base + :client_id * \(Pgbench.clientStride) + :counter
        \\set n :h + 1
        BEGIN;
        SELECT id, user_id, refresh_token_hash, expires_at, device_info::text, created_at, last_used, family_id,
            parent_id, rotation_counter, rotated_at, revoked_at, family_expires_at,
            nextval('audits.audit_log_id_seq') AS next_id
            FROM auth.sessions, (SELECT pg_current_xact_id() AS xid OFFSET 0) AS xact
            WHERE refresh_token_hash = sha256(int8send(:h)) AND xact.xid IS NOT NULL FOR UPDATE OF sessions \\gset s_
        \\set c :s_rotation_counter + 1
        WITH old AS (
            UPDATE auth.sessions SET rotated_at = now(), last_used = now() WHERE id = :s_id RETURNING id
        ), successor AS (
            INSERT INTO auth.sessions (id, user_id, refresh_token_hash, expires_at, device_info, created_at,
                last_used, family_id, parent_id, rotation_counter, rotated_at, revoked_at, family_expires_at)
            SELECT gen_random_uuid(), :s_user_id, sha256(int8send(:n)), now() + interval '14 days',
                :s_device_info::jsonb, now(), NULL, :s_family_id, old.id, :c, NULL, NULL, :s_family_expires_at
            FROM old
            RETURNING id
        )
        INSERT INTO audits.audit_log (id, entity, action, actor_id, payload, signature, prev_hash, ts)
        SELECT :s_next_id, 'session', 'refresh.rotated', :s_user_id,
            jsonb_build_object('family_id', :s_family_id::text, 'session_id', :s_id::text,
                'successor_id', gen_random_uuid()::text, 'counter', :c::text, 'outcome', 'succeeded'),
            sha256(int8send(:s_next_id)), ''::bytea, now() FROM successor;
        COMMIT;
        SELECT id, email, password_hash, role, verified, totp_secret, created_at, updated_at, last_login,
            failed_login_attempts, locked_until, settings::text, last_failed_login, temporary_lockouts, disabled_at
        FROM auth.users WHERE id = :s_user_id;
        \\set counter :counter + 1

        """

    /// Creates, for each of `clients` pgbench clients, a user and a session as a sign-in leaves them (the assurance
    /// level in the device description, an absolute lifetime), whose token 0 is numbered from `base`.
    static func seed(in store: any TesseraStore, clients: Int, base: Int64) async throws {
        let now = Date()
        for client in 0..<clients {
            let user = UserRecord(
                email: "pgbench-\(UUID().uuidString.lowercased())@example.com",
                passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$YmVuY2hiZW5jaGJlbmNo$YmVuY2hiZW5jaGJlbmNoYmVuY2hiZW5jaA",
                createdAt: now
            )
            try await store.createUser(user)
            try await store.createSession(
                SessionRecord(
                    userID: user.id,
                    refreshTokenHash: Pgbench.tokenHash(base + Int64(client) * Pgbench.clientStride),
                    expiresAt: now.addingTimeInterval(14 * 86_400), deviceInfo: ["tessera.aal": "aal1"], createdAt: now,
                    familyExpiresAt: now.addingTimeInterval(30 * 86_400)
                )
            )
        }
    }
}
