/// The names of the Prometheus metrics Tessera exports, in one place so the server, the tests and
/// `docs/observability.md` agree.
///
/// Names follow the Prometheus conventions: a `tessera_` prefix, base units in the name (`_seconds`), and `_total`
/// on counters. Every label value comes from a closed set (see ``ServiceMetrics``), never from a request.
public enum MetricName {
    /// Counter of finished RPC calls, labelled `method` and `code` (the gRPC status name, e.g. `OK`).
    public static let rpcCalls = "tessera_rpc_calls_total"
    /// Histogram of RPC call durations in seconds, from the call frame's arrival to its reply, labelled `method`.
    public static let rpcDuration = "tessera_rpc_duration_seconds"
    /// Gauge of RPC calls received and not yet answered, across all connections.
    public static let rpcCallsInFlight = "tessera_rpc_calls_in_flight"
    /// Gauge of client connections currently open.
    public static let connectionsOpen = "tessera_connections_open"
    /// Counter of client connections accepted since the process started.
    public static let connectionsAccepted = "tessera_connections_total"
    /// Counter of client connections refused because the connection limit was reached.
    public static let connectionsRejected = "tessera_connections_rejected_total"
    /// Counter of wire-protocol violations (each answered with a `go_away`), labelled `reason`.
    public static let protocolErrors = "tessera_protocol_errors_total"
    /// Gauge of password hashing jobs waiting for an Argon2 worker.
    public static let argon2QueueDepth = "tessera_argon2_queue_depth"
    /// Counter of password hashing jobs refused with `RESOURCE_EXHAUSTED` because the Argon2 queue was full.
    public static let argon2Rejected = "tessera_argon2_rejected_total"
    /// Counter of expired rows the sweeper deleted, labelled `kind` (`sessions`, `invitations`, …).
    public static let sweeperDeleted = "tessera_sweeper_deleted_total"
    /// Counter of sweeper steps that failed, labelled `kind` (a row kind, or `audit_partitions`).
    public static let sweeperFailures = "tessera_sweeper_failures_total"
    /// Counter of finished sweeper runs.
    public static let sweeperRuns = "tessera_sweeper_runs_total"
    /// Gauge of the Unix time the last sweeper run finished.
    public static let sweeperLastRun = "tessera_sweeper_last_run_timestamp_seconds"
    /// Gauge of the audit log's monthly partitions missing from the current month to the months kept ahead
    /// (PostgreSQL; stays above 0 when the server's role may not create them).
    public static let auditPartitionsMissing = "tessera_audit_partitions_missing"
    /// Gauge of data keys wrapped under the active master key version so far (summed across replicas, as last read
    /// from the store): NIST SP 800-38D bounds it at 2^32, see docs/keyring.md.
    public static let keyringActiveWraps = "tessera_keyring_active_version_wraps"
    /// Gauge: 1 while the active master key version is past its usage warning threshold, else 0.
    public static let keyringUsageWarning = "tessera_keyring_usage_warning"
    /// Gauge of the rewrap's rows looked at so far (its progress), as this replica last saw it.
    public static let keyringRewrapProcessed = "tessera_keyring_rewrap_processed"
    /// Gauge: 1 while a rewrap is running (on any replica), else 0.
    public static let keyringRewrapRunning = "tessera_keyring_rewrap_running"
    /// Gauge of the data keys (provider keys and TOTP secrets) still wrapped by each old master key version,
    /// labelled `version`: one series per decrypt-only version, gone once the version is retired. Counted by a scan
    /// every `keyring_references_seconds`; every replica reports the same shared count.
    public static let keyringOldVersionDataKeys = "tessera_keyring_old_version_data_keys"
    /// Gauge of the seconds since the longest-superseded master key version that still wraps a data key stopped
    /// being active (its successor's creation), at the last count; 0 when no old version wraps anything.
    public static let keyringOldVersionReferencedSeconds = "tessera_keyring_old_version_referenced_seconds"
    /// Gauge of the Unix time of the last successful count of the old versions' data keys.
    public static let keyringReferencesCountedTimestamp = "tessera_keyring_references_counted_timestamp_seconds"
}
