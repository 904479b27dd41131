import Foundation

/// Where the Admin service's audit summary comes from: the seam between key management and the audit chain.
///
/// The implementation, ``TreeAuditSummary``, reports the log's length, its newest signed checkpoint and the last
/// verification run in this process.
public protocol AuditSummarySource: Sendable {
    /// The log's state now.
    ///
    /// - Returns: The summary.
    /// - Throws: `StoreError`.
    func summary() async throws -> AuditSummary

    /// Verifies the whole log now and remembers the result for ``summary()``.
    ///
    /// - Returns: The verification's outcome.
    /// - Throws: `StoreError`.
    func verify() async throws -> AuditSummary.Verification
}

/// The audit log's state for operators.
public struct AuditSummary: Sendable, Hashable {
    /// A signed checkpoint of the audit tree.
    public struct Checkpoint: Sendable, Hashable {
        /// Entries the checkpoint covers.
        public let treeSize: Int64
        /// When the sequencer signed it.
        public let signedAt: Date
        /// Its one-line form, as `tessera audit checkpoints` prints it (for `tessera audit verify --against`).
        public let line: String

        /// Creates a checkpoint value.
        /// - Parameters:
        ///   - treeSize: Entries covered.
        ///   - signedAt: When it was signed.
        ///   - line: Its line form.
        public init(treeSize: Int64, signedAt: Date, line: String) {
            self.treeSize = treeSize
            self.signedAt = signedAt
            self.line = line
        }
    }

    /// The outcome of one verification of the log.
    public struct Verification: Sendable, Hashable {
        /// When it ran.
        public let verifiedAt: Date
        /// Entries verified (when intact) or the id of the first bad entry and why.
        public let outcome: Outcome

        /// What a verification found.
        public enum Outcome: Sendable, Hashable {
            /// Every entry verified; `unsealed` of them are not in a checkpoint yet (their MACs verified).
            case intact(entries: Int64, unsealed: Int64)
            /// The first bad entry and why (e.g. `bad signature`).
            case broken(entryID: Int64, reason: String)
        }

        /// Creates a verification value.
        /// - Parameters:
        ///   - verifiedAt: When it ran.
        ///   - outcome: What it found.
        public init(verifiedAt: Date, outcome: Outcome) {
            self.verifiedAt = verifiedAt
            self.outcome = outcome
        }
    }

    /// Entries in the log now.
    public let entries: Int64
    /// The newest signed checkpoint, if the sequencer wrote one.
    public let lastCheckpoint: Checkpoint?
    /// The last verification, if one ran.
    public let lastVerification: Verification?

    /// Creates a summary.
    /// - Parameters:
    ///   - entries: The log's length.
    ///   - lastCheckpoint: The newest checkpoint.
    ///   - lastVerification: The last verification.
    public init(entries: Int64, lastCheckpoint: Checkpoint?, lastVerification: Verification?) {
        self.entries = entries
        self.lastCheckpoint = lastCheckpoint
        self.lastVerification = lastVerification
    }
}
