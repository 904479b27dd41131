-- PostgreSQL bootstrap for Tessera: a migration role that owns Tessera's schemas and a least-privilege runtime
-- role for `tessera serve`. Run it as a superuser, connected to Tessera's own (dedicated) database, with psql:
--
--   psql -v ON_ERROR_STOP=1 -d tessera -f ops/postgres/bootstrap.sql        # before the first `tessera migrate`
--   tessera migrate --database-url-file /etc/tessera/credentials/migrate-url   # as the migration role
--   psql -v ON_ERROR_STOP=1 -d tessera -f ops/postgres/bootstrap.sql        # again, after every migrate
--
-- psql variables (all optional): migration_role (default tessera_migrate), runtime_role (default tessera_app),
-- migration_password and runtime_password. A password not given with -v is read from the environment
-- (TESSERA_MIGRATION_PASSWORD, TESSERA_RUNTIME_PASSWORD), so it stays out of `ps` and shell history; with neither,
-- the role gets no password (for certificate or peer authentication) and an existing password is kept.
--
-- Idempotent. The first run creates the roles and schemas and sets default privileges, so every table, sequence
-- and partition the migration role creates later (migrations, audits.ensure_partitions) gets the runtime role's
-- schema-wide privileges at once. The run after a migrate narrows those to what the runtime code issues, table by
-- table (the "narrowing" section below). Tested by Tests/TesseraStoreTests/PostgresRolesTests.swift: the runtime
-- role serves the store's operations and every forbidden statement fails with permission denied.
--
-- What the runtime role may do:
--   auth.*, providers.*         SELECT, INSERT, UPDATE, DELETE (users, sessions, invitations, resets, provider keys)
--   auth.audit_logs             SELECT, INSERT (a log: never changed)
--   audits.audit_log (+ parts)  SELECT, INSERT only: no UPDATE, DELETE, TRUNCATE (the triggers refuse them too)
--   tessera.*                   SELECT, INSERT, UPDATE; DELETE only on recovery_codes; schema_migrations read-only
--   sequences                   USAGE (nextval for bigserial ids)
-- and nothing else: no CREATE on any schema or the database (no DDL), no TEMPORARY, no TRUNCATE, REFERENCES or
-- TRIGGER anywhere, no EXECUTE on Tessera's functions (audits.ensure_partitions runs as the migration role; the
-- default partition catches rows if it is not run in time), no access to `public` or other schemas' tables.

\set ON_ERROR_STOP on
-- Keep role passwords out of the server log whatever logging this cluster has (superuser-only settings).
SET log_statement = 'none';
SET log_min_duration_statement = -1;
SET log_min_error_statement = panic;
SET client_min_messages = warning;

\if :{?migration_role}
\else
    \set migration_role tessera_migrate
\endif
\if :{?runtime_role}
\else
    \set runtime_role tessera_app
\endif
\if :{?migration_password}
\else
    \getenv migration_password TESSERA_MIGRATION_PASSWORD
\endif
\if :{?runtime_password}
\else
    \getenv runtime_password TESSERA_RUNTIME_PASSWORD
\endif

BEGIN;

-- Roles: no superuser, no role or database creation, no replication, no membership in each other.
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS', :'migration_role')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'migration_role') \gexec
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS', :'runtime_role')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'runtime_role') \gexec
ALTER ROLE :"migration_role" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
ALTER ROLE :"runtime_role" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
\if :{?migration_password}
    ALTER ROLE :"migration_role" PASSWORD :'migration_password';
\endif
\if :{?runtime_password}
    ALTER ROLE :"runtime_role" PASSWORD :'runtime_password';
\endif
-- The runtime code names every object by schema; an empty search path makes an unqualified name an error rather
-- than a lookup in a schema someone else controls.
ALTER ROLE :"runtime_role" SET search_path = '';

-- The database: only these two roles connect; the migration role may create schemas (`tessera migrate` issues
-- CREATE SCHEMA IF NOT EXISTS, which PostgreSQL checks against the database's CREATE privilege).
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database()) \gexec
SELECT format('GRANT CONNECT, CREATE ON DATABASE %I TO %I', current_database(), :'migration_role') \gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), :'runtime_role') \gexec
SELECT format('REVOKE CREATE, TEMPORARY ON DATABASE %I FROM %I', current_database(), :'runtime_role') \gexec
-- Nothing in `public` for anyone but its owner (Tessera puts nothing there).
REVOKE ALL ON SCHEMA public FROM PUBLIC;

-- Tessera's schemas, owned by the migration role (an existing deployment migrated as another role: first
-- `REASSIGN OWNED BY old_owner TO tessera_migrate` in this database).
CREATE SCHEMA IF NOT EXISTS auth AUTHORIZATION :"migration_role";
CREATE SCHEMA IF NOT EXISTS providers AUTHORIZATION :"migration_role";
CREATE SCHEMA IF NOT EXISTS audits AUTHORIZATION :"migration_role";
CREATE SCHEMA IF NOT EXISTS tessera AUTHORIZATION :"migration_role";
ALTER SCHEMA auth OWNER TO :"migration_role";
ALTER SCHEMA providers OWNER TO :"migration_role";
ALTER SCHEMA audits OWNER TO :"migration_role";
ALTER SCHEMA tessera OWNER TO :"migration_role";
REVOKE ALL ON SCHEMA auth, providers, audits, tessera FROM PUBLIC;
REVOKE CREATE ON SCHEMA auth, providers, audits, tessera FROM :"runtime_role";
GRANT USAGE ON SCHEMA auth, providers, audits, tessera TO :"runtime_role";

-- Default privileges: what the runtime role gets on objects the migration role creates from now on.
ALTER DEFAULT PRIVILEGES FOR ROLE :"migration_role" REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE :"migration_role" IN SCHEMA auth, providers
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"runtime_role";
ALTER DEFAULT PRIVILEGES FOR ROLE :"migration_role" IN SCHEMA tessera
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"runtime_role";
ALTER DEFAULT PRIVILEGES FOR ROLE :"migration_role" IN SCHEMA audits
    GRANT SELECT, INSERT ON TABLES TO :"runtime_role";
ALTER DEFAULT PRIVILEGES FOR ROLE :"migration_role" IN SCHEMA auth, providers, audits, tessera
    GRANT USAGE ON SEQUENCES TO :"runtime_role";

-- Narrowing, for the tables that exist (the run after a migrate): the schema-wide defaults above minus what the
-- runtime code never issues. A new table keeps the schema default until this file is run again.
SELECT format('REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA %I FROM %I', nspname, :'runtime_role')
FROM pg_namespace WHERE nspname IN ('auth', 'providers', 'audits', 'tessera') \gexec
SELECT format('REVOKE UPDATE, DELETE ON %s FROM %I', relation, :'runtime_role')
FROM unnest(ARRAY['auth.audit_logs']) AS relation WHERE to_regclass(relation) IS NOT NULL \gexec
SELECT format('REVOKE INSERT, UPDATE, DELETE ON %s FROM %I', relation, :'runtime_role')
FROM unnest(ARRAY['tessera.schema_migrations']) AS relation WHERE to_regclass(relation) IS NOT NULL \gexec
SELECT format('REVOKE DELETE ON %s FROM %I', relation, :'runtime_role')
FROM unnest(ARRAY['tessera.keyring_versions', 'tessera.totp_replay', 'tessera.keyring_rewrap', 'tessera.root_key'])
    AS relation
WHERE to_regclass(relation) IS NOT NULL \gexec
-- The single-row heads: moved by UPDATE only (their row is inserted by a migration).
SELECT format('REVOKE INSERT, DELETE ON %s FROM %I', relation, :'runtime_role')
FROM unnest(ARRAY['tessera.keyring_head', 'tessera.audit_chain_head']) AS relation
WHERE to_regclass(relation) IS NOT NULL \gexec
-- The legacy chain head, frozen by the audit-tree migration: read only.
SELECT format('REVOKE INSERT, UPDATE, DELETE ON %s FROM %I', relation, :'runtime_role')
FROM unnest(ARRAY['tessera.audit_legacy_head']) AS relation WHERE to_regclass(relation) IS NOT NULL \gexec
-- The audit log and every partition of it: append and read only, whoever created them.
SELECT format('REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON %s FROM %I', c.oid::regclass, :'runtime_role')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'audits' AND c.relkind IN ('r', 'p') \gexec
-- Functions already there (the default above covers later ones): no EXECUTE for PUBLIC.
SELECT format('REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA %I FROM PUBLIC', nspname)
FROM pg_namespace WHERE nspname IN ('auth', 'providers', 'audits', 'tessera') \gexec

COMMIT;
