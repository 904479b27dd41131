import Foundation

/// The one server-driven rewrap (`tessera.keyring_rewrap`): what it moves data keys to, where it has got, and which
/// process holds its lease.
///
/// The row is the rewrap's whole memory: a process that picks it up (after a crash, a restart, a pause) carries on
/// from ``phase`` and ``cursor`` with the counts so far. Progress is saved in the same transaction as the batch of
/// rows it counts, so the counts and the cursor never disagree with the rows.
public struct RewrapJobRecord: Sendable, Hashable {
    /// Where the rewrap is in its life.
    public enum State: String, Sendable, Hashable, CaseIterable {
        /// Moving data keys; a process holding the lease does the work.
        case running
        /// Stopped on request; resumed by starting it again.
        case paused
        /// Every row was looked at.
        case finished
    }

    /// Which table the cursor walks.
    public enum Phase: String, Sendable, Hashable, CaseIterable {
        /// `providers.user_providers.encrypted_dek`, in id order.
        case providerKeys = "provider_keys"
        /// `auth.users.totp_secret`, in user id order.
        case totpSecrets = "totp_secrets"
    }

    /// The state.
    public var state: State
    /// The master key version data keys are moved to (the active version when the rewrap started).
    public var targetVersion: Int
    /// The table being walked.
    public var phase: Phase
    /// The last row id done in ``phase`` (nil: from the start of it).
    public var cursor: UUID?
    /// Full passes over both tables begun so far (a pass that finds rows sealed meanwhile by a replica that had not
    /// seen the rotation yet is followed by another).
    public var passes: Int
    /// Rows not under ``targetVersion`` when the rewrap started.
    public var total: Int64
    /// Rows looked at.
    public var processed: Int64
    /// Rows re-wrapped.
    public var rewrapped: Int64
    /// Rows left alone because they changed meanwhile.
    public var skipped: Int64
    /// Rows whose data key does not open.
    public var failed: Int64
    /// Batches done.
    public var batches: Int64
    /// Rows per batch.
    public var batchSize: Int
    /// The pause between two batches (the throttle), whole milliseconds.
    public var pauseMilliseconds: Int
    /// The process holding the lease, e.g. `host:pid`; nil when none does.
    public var owner: String?
    /// Until when the lease holds; another process may take the rewrap over after it.
    public var leaseUntil: Date?
    /// Who started it (a caller id, or `cli`).
    public var requestedBy: String
    /// When it started.
    public var startedAt: Date
    /// When its row last changed.
    public var updatedAt: Date
    /// When it finished.
    public var finishedAt: Date?

    /// Creates a rewrap that starts now, from the beginning, in state ``State/running``.
    ///
    /// - Parameters:
    ///   - targetVersion: The active version.
    ///   - total: Rows not under it.
    ///   - batchSize: Rows per batch.
    ///   - pauseMilliseconds: The pause between batches.
    ///   - requestedBy: Who started it.
    ///   - now: The start time.
    public init(
        targetVersion: Int,
        total: Int64,
        batchSize: Int,
        pauseMilliseconds: Int,
        requestedBy: String,
        now: Date
    ) {
        self.state = .running
        self.targetVersion = targetVersion
        self.phase = .providerKeys
        self.cursor = nil
        self.passes = 1
        self.total = total
        self.processed = 0
        self.rewrapped = 0
        self.skipped = 0
        self.failed = 0
        self.batches = 0
        self.batchSize = batchSize
        self.pauseMilliseconds = pauseMilliseconds
        self.owner = nil
        self.leaseUntil = nil
        self.requestedBy = requestedBy
        self.startedAt = now
        self.updatedAt = now
        self.finishedAt = nil
    }
}
