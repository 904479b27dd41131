import TesseraStore

/// The PostgreSQL schema, as ordered migrations (fixed DDL, no runtime values).
///
/// Schemas: `auth` (users, sessions, invitations, password resets, login audit), `providers` (sealed provider keys),
/// `audits` (the audit log, partitioned by month and append-only, and its Merkle tree's leaves and checkpoints) and `tessera` (keyring, TOTP state,
/// recovery codes, migration bookkeeping). Constraint names matter: ``ConstraintCatalog`` maps them to error codes.
public enum PostgresMigrations {
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
            "CREATE SCHEMA IF NOT EXISTS auth",
            "CREATE SCHEMA IF NOT EXISTS providers",
            #"""
            CREATE TABLE auth.users (
                id uuid PRIMARY KEY,
                email text NOT NULL,
                password_hash text NOT NULL,
                role text NOT NULL DEFAULT 'user',
                verified boolean NOT NULL DEFAULT false,
                totp_secret bytea,
                created_at timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz NOT NULL DEFAULT now(),
                last_login timestamptz,
                failed_login_attempts integer NOT NULL DEFAULT 0,
                locked_until timestamptz,
                settings jsonb NOT NULL DEFAULT '{}'::jsonb,
                CONSTRAINT users_email_key UNIQUE (email),
                CONSTRAINT users_email_format CHECK (
                    length(email) <= 320 AND email ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'
                ),
                CONSTRAINT users_role_check CHECK (role IN ('admin', 'user', 'viewer')),
                CONSTRAINT users_failed_login_attempts_check CHECK (failed_login_attempts >= 0)
            )
            """#,
            """
            CREATE TABLE auth.sessions (
                id uuid PRIMARY KEY,
                user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
                refresh_token_hash bytea NOT NULL,
                expires_at timestamptz NOT NULL,
                device_info jsonb NOT NULL DEFAULT '{}'::jsonb,
                created_at timestamptz NOT NULL DEFAULT now(),
                last_used timestamptz,
                family_id uuid NOT NULL,
                parent_id uuid REFERENCES auth.sessions (id) ON DELETE SET NULL,
                rotation_counter integer NOT NULL DEFAULT 0,
                rotated_at timestamptz,
                revoked_at timestamptz,
                CONSTRAINT sessions_refresh_token_hash_key UNIQUE (refresh_token_hash),
                CONSTRAINT sessions_rotation_counter_check CHECK (rotation_counter >= 0)
            )
            """,
            // At most one current token per family, enforced by the database itself.
            """
            CREATE UNIQUE INDEX sessions_one_current_per_family ON auth.sessions (family_id)
                WHERE rotated_at IS NULL AND revoked_at IS NULL
            """,
            "CREATE INDEX sessions_user_id_idx ON auth.sessions (user_id)",
            "CREATE INDEX sessions_expires_at_idx ON auth.sessions (expires_at)",
            "CREATE INDEX sessions_family_id_idx ON auth.sessions (family_id)",
            // Foreign keys with ON DELETE actions need an index on the referencing column, or every delete scans.
            "CREATE INDEX sessions_parent_id_idx ON auth.sessions (parent_id)",
            """
            CREATE TABLE auth.invitations (
                id uuid PRIMARY KEY,
                code_hash bytea NOT NULL,
                role text NOT NULL DEFAULT 'user',
                max_uses integer NOT NULL DEFAULT 1,
                uses integer NOT NULL DEFAULT 0,
                expires_at timestamptz NOT NULL,
                created_by uuid REFERENCES auth.users (id) ON DELETE SET NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                revoked_at timestamptz,
                CONSTRAINT invitations_code_hash_key UNIQUE (code_hash),
                CONSTRAINT invitations_role_check CHECK (role IN ('admin', 'user', 'viewer')),
                CONSTRAINT invitations_uses_check CHECK (max_uses >= 1 AND uses >= 0 AND uses <= max_uses)
            )
            """,
            "CREATE INDEX invitations_expires_at_idx ON auth.invitations (expires_at)",
            "CREATE INDEX invitations_created_by_idx ON auth.invitations (created_by)",
            """
            CREATE TABLE auth.password_resets (
                id uuid PRIMARY KEY,
                user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
                token_hash bytea NOT NULL,
                expires_at timestamptz NOT NULL,
                used boolean NOT NULL DEFAULT false,
                created_at timestamptz NOT NULL DEFAULT now(),
                CONSTRAINT password_resets_token_hash_key UNIQUE (token_hash)
            )
            """,
            "CREATE INDEX password_resets_user_id_idx ON auth.password_resets (user_id)",
            "CREATE INDEX password_resets_expires_at_idx ON auth.password_resets (expires_at)",
            """
            CREATE TABLE auth.audit_logs (
                id uuid PRIMARY KEY,
                user_id uuid REFERENCES auth.users (id) ON DELETE SET NULL,
                event_type text NOT NULL,
                ip_address text,
                user_agent text,
                metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
                created_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            "CREATE INDEX audit_logs_user_id_idx ON auth.audit_logs (user_id)",
            "CREATE INDEX audit_logs_created_at_idx ON auth.audit_logs (created_at)",
            """
            CREATE TABLE providers.user_providers (
                id uuid PRIMARY KEY,
                user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
                provider_name text NOT NULL,
                provider_type text NOT NULL,
                model_name text,
                encrypted_api_key bytea NOT NULL,
                encrypted_dek bytea NOT NULL,
                key_last_4_chars text NOT NULL,
                is_active boolean NOT NULL DEFAULT true,
                created_at timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz NOT NULL DEFAULT now(),
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
            "CREATE SCHEMA IF NOT EXISTS tessera",
            """
            CREATE TABLE tessera.keyring_versions (
                version integer NOT NULL,
                wrapped_key bytea NOT NULL,
                state text NOT NULL DEFAULT 'active',
                created_at timestamptz NOT NULL DEFAULT now(),
                dek_count bigint NOT NULL DEFAULT 0,
                CONSTRAINT keyring_versions_pkey PRIMARY KEY (version),
                CONSTRAINT keyring_versions_version_check CHECK (version >= 1),
                CONSTRAINT keyring_versions_state_check CHECK (state IN ('active', 'decrypt_only', 'retired')),
                CONSTRAINT keyring_versions_dek_count_check CHECK (dek_count >= 0)
            )
            """,
            """
            CREATE TABLE tessera.totp_replay (
                user_id uuid PRIMARY KEY REFERENCES auth.users (id) ON DELETE CASCADE,
                last_step bigint NOT NULL
            )
            """,
            """
            CREATE TABLE tessera.recovery_codes (
                id bigserial PRIMARY KEY,
                user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
                code_hash bytea NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                used_at timestamptz,
                CONSTRAINT recovery_codes_user_id_code_hash_key UNIQUE (user_id, code_hash)
            )
            """,
        ]
    )

    static let auditSchema = Migration(
        version: 3,
        name: "audit-log",
        statements: [
            "CREATE SCHEMA IF NOT EXISTS audits",
            """
            CREATE TABLE audits.audit_log (
                id bigserial NOT NULL,
                entity text NOT NULL,
                action text NOT NULL,
                actor_id uuid,
                payload jsonb NOT NULL DEFAULT '{}'::jsonb,
                signature bytea NOT NULL,
                prev_hash bytea NOT NULL,
                ts timestamptz NOT NULL DEFAULT now(),
                CONSTRAINT audit_log_pkey PRIMARY KEY (id, ts)
            ) PARTITION BY RANGE (ts)
            """,
            // Rows outside every monthly partition still land somewhere rather than failing an append.
            "CREATE TABLE audits.audit_log_default PARTITION OF audits.audit_log DEFAULT",
            "CREATE INDEX audit_log_id_idx ON audits.audit_log (id)",
            // Creates the monthly partitions from `start`'s month for `months` months; idempotent.
            """
            CREATE FUNCTION audits.ensure_partitions(start timestamptz, months integer) RETURNS void
            LANGUAGE plpgsql AS $$
            DECLARE
                month_start date;
                partition_name text;
            BEGIN
                FOR i IN 0 .. months - 1 LOOP
                    month_start := (date_trunc('month', start AT TIME ZONE 'UTC') + make_interval(months => i))::date;
                    partition_name := format('audit_log_%s', to_char(month_start, 'YYYY_MM'));
                    IF to_regclass(format('audits.%I', partition_name)) IS NULL THEN
                        EXECUTE format(
                            'CREATE TABLE audits.%I PARTITION OF audits.audit_log FOR VALUES FROM (%L) TO (%L)',
                            partition_name,
                            (month_start::timestamp AT TIME ZONE 'UTC'),
                            ((month_start + interval '1 month')::timestamp AT TIME ZONE 'UTC')
                        );
                    END IF;
                END LOOP;
            END
            $$
            """,
            "SELECT audits.ensure_partitions(now(), 13)",
            """
            CREATE FUNCTION audits.refuse_change() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'audits.audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
            END
            $$
            """,
            """
            CREATE TRIGGER audit_log_refuse_update_delete BEFORE UPDATE OR DELETE ON audits.audit_log
                FOR EACH ROW EXECUTE FUNCTION audits.refuse_change()
            """,
            """
            CREATE TRIGGER audit_log_refuse_truncate BEFORE TRUNCATE ON audits.audit_log
                FOR EACH STATEMENT EXECUTE FUNCTION audits.refuse_change()
            """,
        ]
    )

    static let keyringHead = Migration(
        version: 4,
        name: "keyring-revision",
        statements: [
            // One row whose counter moves with every keyring change: replicas poll it instead of the whole keyring,
            // and keyring writers serialise on it.
            """
            CREATE TABLE tessera.keyring_head (
                id integer PRIMARY KEY,
                revision bigint NOT NULL DEFAULT 0,
                CONSTRAINT keyring_head_single_row CHECK (id = 1)
            )
            """,
            "INSERT INTO tessera.keyring_head (id, revision) VALUES (1, 0)",
            """
            CREATE UNIQUE INDEX keyring_versions_one_active ON tessera.keyring_versions (state)
                WHERE state = 'active'
            """,
        ]
    )

    static let auditChainHead = Migration(
        version: 5,
        name: "audit-chain-head",
        statements: [
            // The single row every append locks: it serialises appenders across processes and holds the hash the
            // next entry links to.
            """
            CREATE TABLE tessera.audit_chain_head (
                id integer PRIMARY KEY,
                last_id bigint NOT NULL DEFAULT 0,
                last_hash bytea NOT NULL,
                CONSTRAINT audit_chain_head_single_row CHECK (id = 1)
            )
            """,
            """
            INSERT INTO tessera.audit_chain_head (id, last_id, last_hash)
            VALUES (1, 0, decode(repeat('00', 32), 'hex'))
            """,
        ]
    )

    static let auditTamperGuards = Migration(
        version: 6,
        name: "audit-tamper-guards",
        statements: [
            // A statement-level TRUNCATE trigger on the partitioned parent does not fire for
            // `TRUNCATE audits.audit_log_YYYY_MM`, so every partition gets one of its own: those there now, and
            // those `ensure_partitions` creates from now on. (Row-level UPDATE/DELETE triggers are cloned to
            // partitions by PostgreSQL itself.)
            """
            CREATE FUNCTION audits.protect_partition(partition regclass) RETURNS void
            LANGUAGE plpgsql AS $$
            BEGIN
                IF NOT EXISTS (
                    SELECT 1 FROM pg_trigger
                    WHERE tgrelid = partition AND tgname = 'audit_log_partition_refuse_truncate'
                ) THEN
                    EXECUTE format(
                        'CREATE TRIGGER audit_log_partition_refuse_truncate BEFORE TRUNCATE ON %s '
                        'FOR EACH STATEMENT EXECUTE FUNCTION audits.refuse_change()',
                        partition
                    );
                END IF;
            END
            $$
            """,
            """
            CREATE OR REPLACE FUNCTION audits.ensure_partitions(start timestamptz, months integer) RETURNS void
            LANGUAGE plpgsql AS $$
            DECLARE
                month_start date;
                partition_name text;
            BEGIN
                FOR i IN 0 .. months - 1 LOOP
                    month_start := (date_trunc('month', start AT TIME ZONE 'UTC') + make_interval(months => i))::date;
                    partition_name := format('audit_log_%s', to_char(month_start, 'YYYY_MM'));
                    IF to_regclass(format('audits.%I', partition_name)) IS NULL THEN
                        EXECUTE format(
                            'CREATE TABLE audits.%I PARTITION OF audits.audit_log FOR VALUES FROM (%L) TO (%L)',
                            partition_name,
                            (month_start::timestamp AT TIME ZONE 'UTC'),
                            ((month_start + interval '1 month')::timestamp AT TIME ZONE 'UTC')
                        );
                    END IF;
                    PERFORM audits.protect_partition(format('audits.%I', partition_name)::regclass);
                END LOOP;
            END
            $$
            """,
            """
            SELECT audits.protect_partition(inhrelid::regclass) FROM pg_inherits
            WHERE inhparent = 'audits.audit_log'::regclass
            """,
            // The head only moves forward: an append moves it to the entry it inserted, nothing moves it back.
            // Rewinding it (to hide deleted newest entries) or deleting it is refused; the verifier reports
            // entries beyond the head, so a rewind done with the triggers switched off is seen too.
            """
            CREATE FUNCTION tessera.audit_chain_head_forward_only() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    RAISE EXCEPTION 'tessera.audit_chain_head cannot be deleted'
                        USING ERRCODE = 'insufficient_privilege';
                END IF;
                IF NEW.id <> OLD.id OR NEW.last_id <= OLD.last_id THEN
                    RAISE EXCEPTION 'tessera.audit_chain_head only moves forward, by appending'
                        USING ERRCODE = 'insufficient_privilege';
                END IF;
                RETURN NEW;
            END
            $$
            """,
            """
            CREATE TRIGGER audit_chain_head_forward_only BEFORE UPDATE OR DELETE ON tessera.audit_chain_head
                FOR EACH ROW EXECUTE FUNCTION tessera.audit_chain_head_forward_only()
            """,
            """
            CREATE TRIGGER audit_chain_head_refuse_truncate BEFORE TRUNCATE ON tessera.audit_chain_head
                FOR EACH STATEMENT EXECUTE FUNCTION audits.refuse_change()
            """,
        ]
    )

    static let authFlows = Migration(
        version: 7,
        name: "auth-flows",
        statements: [
            // The lockout state the domain's lockout step reads and writes under the row lock, and the
            // administrative disable (a disabled account authenticates like an unknown one).
            """
            ALTER TABLE auth.users
                ADD COLUMN last_failed_login timestamptz,
                ADD COLUMN temporary_lockouts integer NOT NULL DEFAULT 0
                    CONSTRAINT users_temporary_lockouts_check CHECK (temporary_lockouts >= 0),
                ADD COLUMN disabled_at timestamptz
            """,
            // A password accepted for an account with a second factor: the challenge token (stored as SHA-256
            // only) that `CompleteMfa` consumes once, before it expires, within a few attempts.
            """
            CREATE TABLE auth.mfa_challenges (
                id uuid PRIMARY KEY,
                user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
                challenge_hash bytea NOT NULL,
                device_info jsonb NOT NULL DEFAULT '{}'::jsonb,
                created_at timestamptz NOT NULL,
                expires_at timestamptz NOT NULL,
                failed_attempts integer NOT NULL DEFAULT 0,
                consumed_at timestamptz,
                CONSTRAINT mfa_challenges_challenge_hash_key UNIQUE (challenge_hash),
                CONSTRAINT mfa_challenges_failed_attempts_check CHECK (failed_attempts >= 0)
            )
            """,
            "CREATE INDEX mfa_challenges_user_id_idx ON auth.mfa_challenges (user_id)",
            // The session's absolute lifetime, kept by every successor of a family.
            "ALTER TABLE auth.sessions ADD COLUMN family_expires_at timestamptz",
            "CREATE INDEX mfa_challenges_expires_at_idx ON auth.mfa_challenges (expires_at)",
        ]
    )

    static let accountRecovery = Migration(
        version: 8,
        name: "account-recovery",
        statements: [
            // An invitation may be bound to one (normalised) email address.
            "ALTER TABLE auth.invitations ADD COLUMN email text",
            // Resets come as link tokens or short codes; a code allows a few wrong attempts; a newer request (or
            // too many wrong codes) invalidates a reset without consuming it.
            """
            ALTER TABLE auth.password_resets
                ADD COLUMN kind text NOT NULL DEFAULT 'link'
                    CONSTRAINT password_resets_kind_check CHECK (kind IN ('link', 'code')),
                ADD COLUMN failed_attempts integer NOT NULL DEFAULT 0
                    CONSTRAINT password_resets_failed_attempts_check CHECK (failed_attempts >= 0),
                ADD COLUMN invalidated_at timestamptz
            """,
            // The per-account request limit's bookkeeping, keyed by an HMAC of the requested address (so it counts
            // requests for addresses without an account too, and stores no address).
            """
            CREATE TABLE auth.password_reset_requests (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                subject_hash bytea NOT NULL,
                requested_at timestamptz NOT NULL
            )
            """,
            """
            CREATE INDEX password_reset_requests_subject_idx
                ON auth.password_reset_requests (subject_hash, requested_at)
            """,
            "CREATE INDEX password_reset_requests_requested_at_idx ON auth.password_reset_requests (requested_at)",
            // Email verification tokens, stored as SHA-256, single use, bound to the address they were sent to.
            """
            CREATE TABLE auth.email_verifications (
                id uuid PRIMARY KEY,
                user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
                email text NOT NULL,
                token_hash bytea NOT NULL,
                created_at timestamptz NOT NULL,
                expires_at timestamptz NOT NULL,
                consumed_at timestamptz,
                CONSTRAINT email_verifications_token_hash_key UNIQUE (token_hash)
            )
            """,
            "CREATE INDEX email_verifications_user_id_idx ON auth.email_verifications (user_id)",
            "CREATE INDEX email_verifications_expires_at_idx ON auth.email_verifications (expires_at)",
        ]
    )

    static let keyringRewrapJob = Migration(
        version: 9,
        name: "keyring-rewrap-job",
        statements: [
            // Encryptions done under each version, added by every process from its keyring poll (never on the
            // sealing path): the usage NIST SP 800-38D bounds, see docs/keyring.md.
            """
            ALTER TABLE tessera.keyring_versions ADD COLUMN wrap_count bigint NOT NULL DEFAULT 0
                CONSTRAINT keyring_versions_wrap_count_check CHECK (wrap_count >= 0)
            """,
            // The one server-driven rewrap: its progress (saved with every batch, so a crash loses nothing) and
            // the lease of the process running it.
            """
            CREATE TABLE tessera.keyring_rewrap (
                id integer PRIMARY KEY,
                state text NOT NULL,
                target_version integer NOT NULL,
                phase text NOT NULL,
                cursor uuid,
                passes integer NOT NULL DEFAULT 1,
                total bigint NOT NULL DEFAULT 0,
                processed bigint NOT NULL DEFAULT 0,
                rewrapped bigint NOT NULL DEFAULT 0,
                skipped bigint NOT NULL DEFAULT 0,
                failed bigint NOT NULL DEFAULT 0,
                batches bigint NOT NULL DEFAULT 0,
                batch_size integer NOT NULL,
                pause_ms integer NOT NULL DEFAULT 0,
                owner text,
                lease_until timestamptz,
                requested_by text NOT NULL,
                started_at timestamptz NOT NULL,
                updated_at timestamptz NOT NULL,
                finished_at timestamptz,
                CONSTRAINT keyring_rewrap_single_row CHECK (id = 1),
                CONSTRAINT keyring_rewrap_state_check CHECK (state IN ('running', 'paused', 'finished')),
                CONSTRAINT keyring_rewrap_phase_check CHECK (phase IN ('provider_keys', 'totp_secrets')),
                CONSTRAINT keyring_rewrap_batch_size_check CHECK (batch_size >= 1 AND pause_ms >= 0)
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
            CREATE TABLE tessera.root_key (
                id integer NOT NULL PRIMARY KEY,
                fingerprint text NOT NULL,
                wrapped_derivation_base bytea NOT NULL,
                rotated_at timestamptz NOT NULL,
                CONSTRAINT root_key_single_row CHECK (id = 1)
            )
            """
        ]
    )

    /// The audit log without the shared head row: entries are MACed on their own and placed in a Merkle tree by
    /// the sequencer, off the hot path (see docs/audit.md).
    ///
    /// The chain head is kept, renamed and frozen, as the record of where the legacy hash chain ends: those
    /// entries still verify under the old rules and become the tree's first batch. A self-contained constant (its
    /// version may be renumbered at a merge).
    static let auditTree = Migration(
        version: 11,
        name: "audit-tree",
        statements: [
            // Frozen: nothing writes it any more (its forward-only trigger stays, and refuses rewinding it).
            "ALTER TABLE tessera.audit_chain_head RENAME TO audit_legacy_head",
            // An entry's place in the tree: leaf `seq` is the entry `entry_id`, hashed as RFC 9162 leaves are.
            """
            CREATE TABLE audits.audit_sequence (
                seq bigint NOT NULL,
                entry_id bigint NOT NULL,
                leaf_hash bytea NOT NULL,
                CONSTRAINT audit_sequence_pkey PRIMARY KEY (seq),
                CONSTRAINT audit_sequence_entry_id_key UNIQUE (entry_id),
                CONSTRAINT audit_sequence_seq_check CHECK (seq >= 0),
                CONSTRAINT audit_sequence_leaf_hash_check CHECK (length(leaf_hash) = 32)
            )
            """,
            // One signed tree head per sequencer batch, written with the batch's leaves.
            """
            CREATE TABLE audits.audit_checkpoints (
                tree_size bigint NOT NULL,
                root_hash bytea NOT NULL,
                signed_at_ms bigint NOT NULL,
                signature bytea NOT NULL,
                settled_id bigint NOT NULL,
                frontier bytea NOT NULL,
                CONSTRAINT audit_checkpoints_pkey PRIMARY KEY (tree_size),
                CONSTRAINT audit_checkpoints_tree_size_check CHECK (tree_size >= 1),
                CONSTRAINT audit_checkpoints_root_hash_check CHECK (length(root_hash) = 32)
            )
            """,
            // Append-only, like the log itself.
            """
            CREATE TRIGGER audit_sequence_refuse_update_delete BEFORE UPDATE OR DELETE ON audits.audit_sequence
                FOR EACH ROW EXECUTE FUNCTION audits.refuse_change()
            """,
            """
            CREATE TRIGGER audit_sequence_refuse_truncate BEFORE TRUNCATE ON audits.audit_sequence
                FOR EACH STATEMENT EXECUTE FUNCTION audits.refuse_change()
            """,
            """
            CREATE TRIGGER audit_checkpoints_refuse_update_delete BEFORE UPDATE OR DELETE ON audits.audit_checkpoints
                FOR EACH ROW EXECUTE FUNCTION audits.refuse_change()
            """,
            """
            CREATE TRIGGER audit_checkpoints_refuse_truncate BEFORE TRUNCATE ON audits.audit_checkpoints
                FOR EACH STATEMENT EXECUTE FUNCTION audits.refuse_change()
            """,
        ]
    )
}
