import Crypto
import Foundation
import TesseraStore
import TesseraTestSupport

/// PostgreSQL's own load generator, running the store's refresh-rotation unit as a custom script: the baseline the
/// store benchmark is compared with.
///
/// The script runs, statement by statement, the SQL that the audited `PostgresStore.rotateRefreshToken` sends in its
/// one transaction (the prepared statements of `PostgresStatements`: `SessionForUpdateTakingEntryID`,
/// `RotateSessionAppendingEntry`, between `BEGIN` and `COMMIT`): the same tables, columns,
/// predicates, CTEs and locks, with `-M prepared` as the store prepares them. Differences, all in pgbench's favour:
/// values the store computes in the client come from the server (`now()`, `gen_random_uuid()`, token hashes as
/// `sha256(int8send(n))`, the audit hash and signature as `sha256(int8send(id))` instead of SHA-256 + HMAC in the
/// process), and it checks nothing (the store decodes the row and applies the rotation rules).
///
/// Each pgbench client works on its own session family, whose tokens are numbered: token `n` of client `c` has the
/// hash `sha256(int8send(base + c × 10⁹ + n))`; the benchmark seeds token 0 of every client first. The per-client
/// counter is a pgbench variable, which keeps its value from one script run to the next.
struct Pgbench: Sendable {
    /// The pgbench executable.
    let executable: String

    /// Token numbers of one client stay below this, so clients never share a hash.
    static let clientStride: Int64 = 1_000_000_000

    /// The custom script (`-f`), written to a temporary file at run time: four round trips, as the store's.
    static let script = """
        \\set h :base + :client_id * \(clientStride) + :counter
        \\set n :h + 1
        BEGIN;
        SELECT id, user_id, refresh_token_hash, expires_at, device_info::text, created_at, last_used, family_id,
            parent_id, rotation_counter, rotated_at, revoked_at, nextval('audits.audit_log_id_seq') AS next_id
            FROM auth.sessions, (SELECT pg_current_xact_id() AS xid OFFSET 0) AS xact
            WHERE refresh_token_hash = sha256(int8send(:h)) AND xact.xid IS NOT NULL FOR UPDATE OF sessions \\gset s_
        \\set c :s_rotation_counter + 1
        WITH old AS (
            UPDATE auth.sessions SET rotated_at = now(), last_used = now() WHERE id = :s_id RETURNING id
        ), successor AS (
            INSERT INTO auth.sessions (id, user_id, refresh_token_hash, expires_at, device_info, created_at,
                last_used, family_id, parent_id, rotation_counter, rotated_at, revoked_at)
            SELECT gen_random_uuid(), :s_user_id, sha256(int8send(:n)), now() + interval '30 days',
                :s_device_info::jsonb, now(), NULL, :s_family_id, old.id, :c, NULL, NULL FROM old
            RETURNING id
        )
        INSERT INTO audits.audit_log (id, entity, action, actor_id, payload, signature, prev_hash, ts)
        SELECT :s_next_id, 'session', 'refresh.rotated', :s_user_id,
            jsonb_build_object('family', :s_family_id::text, 'counter', :c::text),
            sha256(int8send(:s_next_id)), ''::bytea, now() FROM successor;
        COMMIT;
        \\set counter :counter + 1

        """

    /// The rotation as the store sent it before its audit append was folded into the rotation's statements (five
    /// round trips: the entry's id from its own `SELECT nextval`, the entry from its own `INSERT`). The legacy
    /// head-row script is built on it, so that "today's figure" stays the design issue 11 replaced.
    static let fiveRoundTripScript = """
        \\set h :base + :client_id * \(clientStride) + :counter
        \\set n :h + 1
        BEGIN;
        SELECT id, user_id, refresh_token_hash, expires_at, device_info::text, created_at, last_used, family_id,
            parent_id, rotation_counter, rotated_at, revoked_at FROM auth.sessions
            WHERE refresh_token_hash = sha256(int8send(:h)) FOR UPDATE \\gset s_
        \\set c :s_rotation_counter + 1
        WITH old AS (
            UPDATE auth.sessions SET rotated_at = now(), last_used = now() WHERE id = :s_id RETURNING id
        ), successor AS (
            INSERT INTO auth.sessions (id, user_id, refresh_token_hash, expires_at, device_info, created_at,
                last_used, family_id, parent_id, rotation_counter, rotated_at, revoked_at)
            SELECT gen_random_uuid(), :s_user_id, sha256(int8send(:n)), now() + interval '30 days',
                :s_device_info::jsonb, now(), NULL, :s_family_id, old.id, :c, NULL, NULL FROM old
            RETURNING id
        )
        SELECT nextval('audits.audit_log_id_seq') AS next_id FROM successor \\gset a_
        INSERT INTO audits.audit_log (id, entity, action, actor_id, payload, signature, prev_hash, ts)
        VALUES (:a_next_id, 'session', 'refresh.rotated', :s_user_id,
            jsonb_build_object('family', :s_family_id::text, 'counter', :c::text),
            sha256(int8send(:a_next_id)), ''::bytea, now());
        COMMIT;
        \\set counter :counter + 1

        """

    /// The table the legacy script serialises on: today's design before issue 11 (one shared chain head, locked by
    /// every audited transaction until it commits), created in the benchmark's database only.
    static let legacyHeadSetup = [
        "CREATE TABLE IF NOT EXISTS public.bench_legacy_head (id integer PRIMARY KEY, last_id bigint NOT NULL, "
            + "last_hash bytea NOT NULL)",
        "INSERT INTO public.bench_legacy_head VALUES (1, 0, '\\x00'::bytea) ON CONFLICT (id) DO NOTHING",
    ]

    /// The same rotation with the audit append of the design that issue 11 replaced: lock the shared head row
    /// (`SELECT … FOR UPDATE`), insert the entry chained to it, move the head, all before `COMMIT`. It is the
    /// "today's figure" baseline of the store benchmark, measured in the same run instead of quoted from a past one.
    static let legacyScript = fiveRoundTripScript.replacingOccurrences(
        of: """
            SELECT nextval('audits.audit_log_id_seq') AS next_id FROM successor \\gset a_
            INSERT INTO audits.audit_log (id, entity, action, actor_id, payload, signature, prev_hash, ts)
            VALUES (:a_next_id, 'session', 'refresh.rotated', :s_user_id,
                jsonb_build_object('family', :s_family_id::text, 'counter', :c::text),
                sha256(int8send(:a_next_id)), ''::bytea, now());
            """,
        with: """
            SELECT head.last_hash, nextval('audits.audit_log_id_seq') AS next_id
                FROM public.bench_legacy_head AS head, successor WHERE head.id = 1 FOR UPDATE OF head \\gset a_
            INSERT INTO audits.audit_log (id, entity, action, actor_id, payload, signature, prev_hash, ts)
            VALUES (:a_next_id, 'session', 'refresh.rotated', :s_user_id,
                jsonb_build_object('family', :s_family_id::text, 'counter', :c::text),
                sha256(int8send(:a_next_id)), :a_last_hash, now());
            UPDATE public.bench_legacy_head SET last_id = :a_next_id, last_hash = sha256(int8send(:a_next_id))
                WHERE id = 1;
            """
    )

    /// Finds pgbench beside the server binaries: `PG_BIN`, else the newest `/usr/lib/postgresql/<version>/bin`.
    static func locate() throws -> Pgbench {
        let fileManager = FileManager.default
        var candidates: [String] = []
        if let explicit = ProcessInfo.processInfo.environment["PG_BIN"] {
            candidates.append(explicit)
        }
        let root = "/usr/lib/postgresql"
        let versions = ((try? fileManager.contentsOfDirectory(atPath: root)) ?? []).compactMap { Int($0) }
        candidates += versions.sorted(by: >).map { "\(root)/\($0)/bin" }
        guard let directory = candidates.first(where: { fileManager.isExecutableFile(atPath: $0 + "/pgbench") }) else {
            throw StoreError(.invalidConfiguration, "pgbench not found under /usr/lib/postgresql: install `postgresql`")
        }
        return Pgbench(executable: directory + "/pgbench")
    }

    /// The hash of token number `number`, as the script computes it: SHA-256 of the 8-byte big-endian integer.
    static func tokenHash(_ number: Int64) -> [UInt8] {
        Array(SHA256.hash(data: withUnsafeBytes(of: number.bigEndian) { Array($0) }))
    }

    /// Runs the script with `clients` clients and threads for `duration` (whole seconds) and returns pgbench's
    /// transactions (script runs) per second, excluding connection time.
    /// - Parameters:
    ///   - url: The database (`postgres://user@host:port/database`, no password).
    ///   - clients: Concurrent clients (`-c`, `-j`).
    ///   - duration: How long (`-T`).
    ///   - base: The token-number base of this run's seeded families.
    ///   - script: The custom script (default ``script``).
    func run(url: String, clients: Int, duration: Duration, base: Int64, script: String = Pgbench.script)
        async throws -> Double
    {
        try await self.measure(url: url, script: script, clients: clients, duration: duration, base: base).rate
    }

    /// What one pgbench run measured.
    struct Measurement: Sendable {
        /// Script runs per second, excluding connection time.
        let rate: Double
        /// Every script run's latency, when the run logged them (`-l`); empty otherwise.
        let latencies: [Duration]
    }

    /// Runs `script` with `clients` clients and threads for `duration` (whole seconds).
    /// - Parameters:
    ///   - url: The database (`postgres://user@host:port/database`, no password).
    ///   - script: The custom script (`-f`); it may use `:base` and `:counter` (starting at 0).
    ///   - clients: Concurrent clients (`-c`, `-j`).
    ///   - duration: How long (`-T`).
    ///   - base: The token-number base of this run's seeded families.
    ///   - logLatencies: Whether to log every script run (`-l`, one buffered line each) and return the latencies.
    /// - Returns: The rate and, if asked for, the latencies.
    /// - Throws: ``StoreError`` when pgbench fails or reports a failed transaction.
    func measure(
        url: String,
        script: String,
        clients: Int,
        duration: Duration,
        base: Int64,
        logLatencies: Bool = false
    ) async throws -> Measurement {
        guard let components = URLComponents(string: url), let host = components.host,
            let user = components.user
        else {
            throw StoreError(.invalidConfiguration, "the benchmark database URL is malformed")
        }
        let database = String(components.path.drop { $0 == "/" })
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tessera-pgbench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let scriptPath = directory.appendingPathComponent("script.sql").path
        let outputPath = directory.appendingPathComponent("output.txt").path
        try Data(script.utf8).write(to: URL(fileURLWithPath: scriptPath))
        var logging: [String] = []
        if logLatencies {
            logging = ["-l", "--log-prefix", directory.appendingPathComponent("latency").path]
        }
        // Started as the tests start PostgreSQL's tools: none of our descriptors (NIO's pool sockets are not
        // close-on-exec) and default signal dispositions (pgbench ends a -T run on SIGALRM, which our threads block).
        let pgbench = try ChildProcess.start(
            self.executable,
            [
                "-h", host, "-p", String(components.port ?? 5432), "-U", user,
                "-n", "-M", "prepared", "-f", scriptPath,
                "-c", String(clients), "-j", String(clients), "-T", String(max(1, duration.components.seconds)),
                "-D", "base=\(base)", "-D", "counter=0",
            ] + logging + [database],
            logFile: outputPath
        )
        let status = try await pgbench.exitStatus()
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        guard status == 0, let tps = Self.transactionsPerSecond(in: text), Self.failures(in: text) == 0 else {
            let tail = text.split(separator: "\n").suffix(8).joined(separator: "\n")
            throw StoreError(.backend, "pgbench failed (status \(status)):\n\(tail)")
        }
        guard logLatencies else { return Measurement(rate: tps, latencies: []) }
        let logs = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasPrefix("latency.") }
        var latencies: [Duration] = []
        for name in logs {
            let log = try String(contentsOfFile: directory.appendingPathComponent(name).path, encoding: .utf8)
            latencies += Self.latencies(inLog: log)
        }
        return Measurement(rate: tps, latencies: latencies)
    }

    /// The latencies of a per-transaction log (`-l`): its lines read `client_id transaction_no time script_no
    /// time_epoch time_us …`, `time` being the script run's latency in microseconds.
    static func latencies(inLog log: String) -> [Duration] {
        log.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count >= 3, let microseconds = Int64(fields[2]) else { return nil }
            return .microseconds(microseconds)
        }
    }

    /// The `tps = … (without initial connection time)` figure of pgbench's report.
    static func transactionsPerSecond(in report: String) -> Double? {
        for line in report.split(separator: "\n") where line.hasPrefix("tps = ") {
            let number = line.dropFirst("tps = ".count).prefix { $0 == "." || $0.isNumber }
            return Double(number)
        }
        return nil
    }

    /// The `number of failed transactions` of pgbench's report (0 when the line is absent).
    static func failures(in report: String) -> Int {
        for line in report.split(separator: "\n") where line.hasPrefix("number of failed transactions: ") {
            return Int(line.dropFirst("number of failed transactions: ".count).prefix { $0.isNumber }) ?? -1
        }
        return 0
    }
}
