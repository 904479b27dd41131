/// How far a rewrap has got; also its final report.
public struct RewrapProgress: Sendable, Hashable {
    /// The version data keys are moved to.
    public let targetVersion: Int
    /// Provider keys and sealed TOTP secrets not under the target version when the run began.
    public let total: Int64
    /// Rows looked at so far.
    public var processed: Int64 = 0
    /// Rows re-wrapped.
    public var rewrapped: Int64 = 0
    /// Rows left alone because they changed meanwhile (the user replaced the key).
    public var skipped: Int64 = 0
    /// Rows whose data key did not open (malformed, wrong context, unknown version): left as they are.
    public var failed: Int64 = 0
    /// Batches done.
    public var batches: Int = 0
    /// Whether every row was looked at (false when stopped early; run again to resume).
    public var finished: Bool = false

    /// Creates a progress value.
    /// - Parameters:
    ///   - targetVersion: The active version.
    ///   - total: Rows to look at.
    public init(targetVersion: Int, total: Int64) {
        self.targetVersion = targetVersion
        self.total = total
    }
}
