import TesseraStore

/// The SQLite schema, as ordered migrations with the same versions and names as PostgreSQL's.
///
/// Each PostgreSQL `schema.table` is the table `schema_table` here. Types: uuid → TEXT (lowercase), timestamptz →
/// INTEGER microseconds since 1970, boolean → INTEGER 0/1, bytea → BLOB, jsonb → TEXT checked with `json_valid`.
public enum SQLiteMigrations {
    /// Every migration, in order.
    public static let all: [Migration] = [
        authSchema, tesseraSchema, auditSchema, keyringHead, auditChainHead, auditTamperGuards, authFlows,
        accountRecovery,
        keyringRewrapJob, rootKey, auditTree,
    ]

    static let authSchema = Migration(
        version: 1,
        name: "auth-and-providers",
        statements: [
            """
            CREATE TABLE auth_users (
                id TEXT NOT NULL PRIMARY KEY,
                email TEXT NOT NULL,
                password_hash TEXT NOT NULL,
                role TEXT NOT NULL DEFAULT 'user',
                verified INTEGER NOT NULL DEFAULT 0,
                totp_secret BLOB,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                last_login INTEGER,
                failed_login_attempts INTEGER NOT NULL DEFAULT 0,
                locked_until INTEGER,
                settings TEXT NOT NULL DEFAULT '{}',
                CONSTRAINT users_email_key UNIQUE (email),
                CONSTRAINT users_email_format CHECK (
                    length(email) <= 320 AND email GLOB '?*@?*.?*' AND email NOT GLOB '*@*@*'
                    AND email NOT GLOB '*[ ' || char(9) || char(10) || char(13) || ']*'
                ),
                CONSTRAINT users_role_check CHECK (role IN ('admin', 'user', 'viewer')),
                CONSTRAINT users_failed_login_attempts_check CHECK (failed_login_attempts >= 0),
                CONSTRAINT users_settings_json CHECK (json_valid(settings))
            )
            """,
            """
            CREATE TABLE auth_sessions (
                id TEXT NOT NULL PRIMARY KEY,
                user_id TEXT NOT NULL REFERENCES auth_users (id) ON DELETE CASCADE,
                refresh_token_hash BLOB NOT NULL,
                expires_at INTEGER NOT NULL,
                device_info TEXT NOT NULL DEFAULT '{}',
                created_at INTEGER NOT NULL,
                last_used INTEGER,
                family_id TEXT NOT NULL,
                parent_id TEXT REFERENCES auth_sessions (id) ON DELETE SET NULL,
                rotation_counter INTEGER NOT NULL DEFAULT 0,
                rotated_at INTEGER,
                revoked_at INTEGER,
                CONSTRAINT sessions_refresh_token_hash_key UNIQUE (refresh_token_hash),
                CONSTRAINT sessions_rotation_counter_check CHECK (rotation_counter >= 0),
                CONSTRAINT sessions_device_info_json CHECK (json_valid(device_info))
            )
            """,
            """
            CREATE UNIQUE INDEX sessions_one_current_per_family ON auth_sessions (family_id)
                WHERE rotated_at IS NULL AND revoked_at IS NULL
            """,
            "CREATE INDEX sessions_user_id_idx ON auth_sessions (user_id)",
            "CREATE INDEX sessions_expires_at_idx ON auth_sessions (expires_at)",
            "CREATE INDEX sessions_family_id_idx ON auth_sessions (family_id)",
            "CREATE INDEX sessions_parent_id_idx ON auth_sessions (parent_id)",
            """
            CREATE TABLE auth_invitations (
                id TEXT NOT NULL PRIMARY KEY,
                code_hash BLOB NOT NULL,
                role TEXT NOT NULL DEFAULT 'user',
                max_uses INTEGER NOT NULL DEFAULT 1,
                uses INTEGER NOT NULL DEFAULT 0,
                expires_at INTEGER NOT NULL,
                created_by TEXT REFERENCES auth_users (id) ON DELETE SET NULL,
                created_at INTEGER NOT NULL,
                revoked_at INTEGER,
                CONSTRAINT invitations_code_hash_key UNIQUE (code_hash),
                CONSTRAINT invitations_role_check CHECK (role IN ('admin', 'user', 'viewer')),
                CONSTRAINT invitations_uses_check CHECK (max_uses >= 1 AND uses >= 0 AND uses <= max_uses)
            )
            """,
            "CREATE INDEX invitations_expires_at_idx ON auth_invitations (expires_at)",
            "CREATE INDEX invitations_created_by_idx ON auth_invitations (created_by)",
            """
            CREATE TABLE auth_password_resets (
                id TEXT NOT NULL PRIMARY KEY,
                user_id TEXT NOT NULL REFERENCES auth_users (id) ON DELETE CASCADE,
                token_hash BLOB NOT NULL,
                expires_at INTEGER NOT NULL,
                used INTEGER NOT NULL DEFAULT 0,
                created_at INTEGER NOT NULL,
                CONSTRAINT password_resets_token_hash_key UNIQUE (token_hash)
            )
            """,
            "CREATE INDEX password_resets_user_id_idx ON auth_password_resets (user_id)",
            "CREATE INDEX password_resets_expires_at_idx ON auth_password_resets (expires_at)",
            """
            CREATE TABLE auth_audit_logs (
                id TEXT NOT NULL PRIMARY KEY,
                user_id TEXT REFERENCES auth_users (id) ON DELETE SET NULL,
                event_type TEXT NOT NULL,
                ip_address TEXT,
                user_agent TEXT,
                metadata TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
                created_at INTEGER NOT NULL
            )
            """,
            "CREATE INDEX audit_logs_user_id_idx ON auth_audit_logs (user_id)",
            "CREATE INDEX audit_logs_created_at_idx ON auth_audit_logs (created_at)",
            """
            CREATE TABLE providers_user_providers (
                id TEXT NOT NULL PRIMARY KEY,
                user_id TEXT NOT NULL REFERENCES auth_users (id) ON DELETE CASCADE,
                provider_name TEXT NOT NULL,
                provider_type TEXT NOT NULL,
                model_name TEXT,
                encrypted_api_key BLOB NOT NULL,
                encrypted_dek BLOB NOT NULL,
                key_last_4_chars TEXT NOT NULL,
                is_active INTEGER NOT NULL DEFAULT 1,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                CONSTRAINT user_providers_user_id_provider_type_key UNIQUE (user_id, provider_type),
                CONSTRAINT user_providers_last_4_check CHECK (length(key_last_4_chars) <= 4)
            )
            """,
        ]
    )

    static let tesseraSchema = Migration(
        version: 2,
        name: "tessera-keyring-and-totp",
        statements: [
            """
            CREATE TABLE tessera_keyring_versions (
                version INTEGER NOT NULL PRIMARY KEY CHECK (version >= 1),
                wrapped_key BLOB NOT NULL,
                state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'decrypt_only', 'retired')),
                created_at INTEGER NOT NULL,
                dek_count INTEGER NOT NULL DEFAULT 0 CHECK (dek_count >= 0)
            )
            """,
            """
            CREATE TABLE tessera_totp_replay (
                user_id TEXT NOT NULL PRIMARY KEY REFERENCES auth_users (id) ON DELETE CASCADE,
                last_step INTEGER NOT NULL
            )
            """,
            """
            CREATE TABLE tessera_recovery_codes (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                user_id TEXT NOT NULL REFERENCES auth_users (id) ON DELETE CASCADE,
                code_hash BLOB NOT NULL,
                created_at INTEGER NOT NULL,
                used_at INTEGER,
                CONSTRAINT recovery_codes_user_id_code_hash_key UNIQUE (user_id, code_hash)
            )
            """,
        ]
    )

    static let auditSchema = Migration(
        version: 3,
        name: "audit-log",
        statements: [
            """
            CREATE TABLE audits_audit_log (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                entity TEXT NOT NULL,
                action TEXT NOT NULL,
                actor_id TEXT,
                payload TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(payload)),
                signature BLOB NOT NULL,
                prev_hash BLOB NOT NULL,
                ts INTEGER NOT NULL
            )
            """,
            "CREATE INDEX audit_log_ts_idx ON audits_audit_log (ts)",
            """
            CREATE TRIGGER audit_log_refuse_update BEFORE UPDATE ON audits_audit_log
            BEGIN
                SELECT RAISE(ABORT, 'audits_audit_log is append-only');
            END
            """,
            """
            CREATE TRIGGER audit_log_refuse_delete BEFORE DELETE ON audits_audit_log
            BEGIN
                SELECT RAISE(ABORT, 'audits_audit_log is append-only');
            END
            """,
        ]
    )

    static let keyringHead = Migration(
        version: 4,
        name: "keyring-revision",
        statements: [
            """
            CREATE TABLE tessera_keyring_head (
                id INTEGER NOT NULL PRIMARY KEY,
                revision INTEGER NOT NULL DEFAULT 0,
                CONSTRAINT keyring_head_single_row CHECK (id = 1)
            )
            """,
            "INSERT INTO tessera_keyring_head (id, revision) VALUES (1, 0)",
            """
            CREATE UNIQUE INDEX keyring_versions_one_active ON tessera_keyring_versions (state)
                WHERE state = 'active'
            """,
        ]
    )

    static let auditChainHead = Migration(
        version: 5,
        name: "audit-chain-head",
        statements: [
            """
            CREATE TABLE tessera_audit_chain_head (
                id INTEGER NOT NULL PRIMARY KEY,
                last_id INTEGER NOT NULL DEFAULT 0,
                last_hash BLOB NOT NULL,
                CONSTRAINT audit_chain_head_single_row CHECK (id = 1)
            )
            """,
            "INSERT INTO tessera_audit_chain_head (id, last_id, last_hash) VALUES (1, 0, zeroblob(32))",
        ]
    )

    static let auditTamperGuards = Migration(
        version: 6,
        name: "audit-tamper-guards",
        statements: [
            // The head only moves forward, by appending: rewinding it (to hide deleted newest entries) or deleting
            // it is refused. (SQLite has no TRUNCATE: an unqualified DELETE fires the row triggers.)
            """
            CREATE TRIGGER audit_chain_head_forward_only BEFORE UPDATE ON tessera_audit_chain_head
            WHEN NEW.id <> OLD.id OR NEW.last_id <= OLD.last_id
            BEGIN
                SELECT RAISE(ABORT, 'tessera_audit_chain_head only moves forward, by appending');
            END
            """,
            """
            CREATE TRIGGER audit_chain_head_refuse_delete BEFORE DELETE ON tessera_audit_chain_head
            BEGIN
                SELECT RAISE(ABORT, 'tessera_audit_chain_head cannot be deleted');
            END
            """,
        ]
    )

    static let authFlows = Migration(
        version: 7,
        name: "auth-flows",
        statements: [
            "ALTER TABLE auth_users ADD COLUMN last_failed_login INTEGER",
            """
            ALTER TABLE auth_users ADD COLUMN temporary_lockouts INTEGER NOT NULL DEFAULT 0
                CONSTRAINT users_temporary_lockouts_check CHECK (temporary_lockouts >= 0)
            """,
            "ALTER TABLE auth_users ADD COLUMN disabled_at INTEGER",
            """
            CREATE TABLE auth_mfa_challenges (
                id TEXT NOT NULL PRIMARY KEY,
                user_id TEXT NOT NULL REFERENCES auth_users (id) ON DELETE CASCADE,
                challenge_hash BLOB NOT NULL,
                device_info TEXT NOT NULL DEFAULT '{}',
                created_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL,
                failed_attempts INTEGER NOT NULL DEFAULT 0,
                consumed_at INTEGER,
                CONSTRAINT mfa_challenges_challenge_hash_key UNIQUE (challenge_hash),
                CONSTRAINT mfa_challenges_failed_attempts_check CHECK (failed_attempts >= 0),
                CONSTRAINT mfa_challenges_device_info_json CHECK (json_valid(device_info))
            )
            """,
            "CREATE INDEX mfa_challenges_user_id_idx ON auth_mfa_challenges (user_id)",
            "ALTER TABLE auth_sessions ADD COLUMN family_expires_at INTEGER",
            "CREATE INDEX mfa_challenges_expires_at_idx ON auth_mfa_challenges (expires_at)",
        ]
    )

    static let accountRecovery = Migration(
        version: 8,
        name: "account-recovery",
        statements: [
            "ALTER TABLE auth_invitations ADD COLUMN email TEXT",
            """
            ALTER TABLE auth_password_resets ADD COLUMN kind TEXT NOT NULL DEFAULT 'link'
                CONSTRAINT password_resets_kind_check CHECK (kind IN ('link', 'code'))
            """,
            """
            ALTER TABLE auth_password_resets ADD COLUMN failed_attempts INTEGER NOT NULL DEFAULT 0
                CONSTRAINT password_resets_failed_attempts_check CHECK (failed_attempts >= 0)
            """,
            "ALTER TABLE auth_password_resets ADD COLUMN invalidated_at INTEGER",
            """
            CREATE TABLE auth_password_reset_requests (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                subject_hash BLOB NOT NULL,
                requested_at INTEGER NOT NULL
            )
            """,
            """
            CREATE INDEX password_reset_requests_subject_idx
                ON auth_password_reset_requests (subject_hash, requested_at)
            """,
            "CREATE INDEX password_reset_requests_requested_at_idx ON auth_password_reset_requests (requested_at)",
            """
            CREATE TABLE auth_email_verifications (
                id TEXT NOT NULL PRIMARY KEY,
                user_id TEXT NOT NULL REFERENCES auth_users (id) ON DELETE CASCADE,
                email TEXT NOT NULL,
                token_hash BLOB NOT NULL,
                created_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL,
                consumed_at INTEGER,
                CONSTRAINT email_verifications_token_hash_key UNIQUE (token_hash)
            )
            """,
            "CREATE INDEX email_verifications_user_id_idx ON auth_email_verifications (user_id)",
            "CREATE INDEX email_verifications_expires_at_idx ON auth_email_verifications (expires_at)",
        ]
    )

    static let keyringRewrapJob = Migration(
        version: 9,
        name: "keyring-rewrap-job",
        statements: [
            // Encryptions done under each version, added by the process from its keyring poll: see docs/keyring.md.
            """
            ALTER TABLE tessera_keyring_versions ADD COLUMN wrap_count INTEGER NOT NULL DEFAULT 0
                CHECK (wrap_count >= 0)
            """,
            // The one rewrap: its progress, saved with every batch, and the lease of the process running it.
            """
            CREATE TABLE tessera_keyring_rewrap (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                state TEXT NOT NULL CHECK (state IN ('running', 'paused', 'finished')),
                target_version INTEGER NOT NULL,
                phase TEXT NOT NULL CHECK (phase IN ('provider_keys', 'totp_secrets')),
                cursor TEXT,
                passes INTEGER NOT NULL DEFAULT 1,
                total INTEGER NOT NULL DEFAULT 0,
                processed INTEGER NOT NULL DEFAULT 0,
                rewrapped INTEGER NOT NULL DEFAULT 0,
                skipped INTEGER NOT NULL DEFAULT 0,
                failed INTEGER NOT NULL DEFAULT 0,
                batches INTEGER NOT NULL DEFAULT 0,
                batch_size INTEGER NOT NULL CHECK (batch_size >= 1),
                pause_ms INTEGER NOT NULL DEFAULT 0 CHECK (pause_ms >= 0),
                owner TEXT,
                lease_until INTEGER,
                requested_by TEXT NOT NULL,
                started_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                finished_at INTEGER
            )
            """,
        ]
    )

    /// Root key rotation (`tessera keys rotate-root`): which root key the keyring is wrapped under, and the purpose
    /// keys' derivation base carried over from the first root key, wrapped under the current one. No row until
    /// the first rotation.
    static let rootKey = Migration(
        version: 10,
        name: "root-key-rotation",
        statements: [
            """
            CREATE TABLE tessera_root_key (
                id INTEGER NOT NULL PRIMARY KEY,
                fingerprint TEXT NOT NULL,
                wrapped_derivation_base BLOB NOT NULL,
                rotated_at INTEGER NOT NULL,
                CONSTRAINT root_key_single_row CHECK (id = 1)
            )
            """
        ]
    )

    /// The audit log without the shared head row (see ``PostgresMigrations``' migration of the same name): the
    /// chain head is renamed and frozen as the end of the legacy chain; leaves and checkpoints are append-only.
    static let auditTree = Migration(
        version: 11,
        name: "audit-tree",
        statements: [
            "ALTER TABLE tessera_audit_chain_head RENAME TO tessera_audit_legacy_head",
            """
            CREATE TABLE audits_audit_sequence (
                seq INTEGER NOT NULL PRIMARY KEY CHECK (seq >= 0),
                entry_id INTEGER NOT NULL,
                leaf_hash BLOB NOT NULL CHECK (length(leaf_hash) = 32),
                CONSTRAINT audit_sequence_entry_id_key UNIQUE (entry_id)
            )
            """,
            """
            CREATE TABLE audits_audit_checkpoints (
                tree_size INTEGER NOT NULL PRIMARY KEY CHECK (tree_size >= 1),
                root_hash BLOB NOT NULL CHECK (length(root_hash) = 32),
                signed_at_ms INTEGER NOT NULL,
                signature BLOB NOT NULL,
                settled_id INTEGER NOT NULL,
                frontier BLOB NOT NULL
            )
            """,
            """
            CREATE TRIGGER audit_sequence_refuse_update BEFORE UPDATE ON audits_audit_sequence
            BEGIN
                SELECT RAISE(ABORT, 'audits_audit_sequence is append-only');
            END
            """,
            """
            CREATE TRIGGER audit_sequence_refuse_delete BEFORE DELETE ON audits_audit_sequence
            BEGIN
                SELECT RAISE(ABORT, 'audits_audit_sequence is append-only');
            END
            """,
            """
            CREATE TRIGGER audit_checkpoints_refuse_update BEFORE UPDATE ON audits_audit_checkpoints
            BEGIN
                SELECT RAISE(ABORT, 'audits_audit_checkpoints is append-only');
            END
            """,
            """
            CREATE TRIGGER audit_checkpoints_refuse_delete BEFORE DELETE ON audits_audit_checkpoints
            BEGIN
                SELECT RAISE(ABORT, 'audits_audit_checkpoints is append-only');
            END
            """,
        ]
    )
}
