import Foundation

/// Where the Admin service's audit summary comes from: the seam between key management and the audit chain.
///
/// Today's implementation, ``ChainAuditSummary``, reports the chain's length and the last verification run in this
/// process. The audit chain is being redesigned (signed checkpoints); a new implementation of this protocol reports
/// the last checkpoint then, and nothing above it changes.
public protocol AuditSummarySource: Sendable {
    /// The chain's state now.
    ///
    /// - Returns: The summary.
    /// - Throws: `StoreError`.
    func summary() async throws -> AuditSummary

    /// Verifies the whole chain now and remembers the result for ``summary()``.
    ///
    /// - Returns: The verification's outcome.
    /// - Throws: `StoreError`.
    func verify() async throws -> AuditSummary.Verification
}

/// The audit chain's state for operators.
public struct AuditSummary: Sendable, Hashable {
    /// The outcome of one verification of the chain.
    public struct Verification: Sendable, Hashable {
        /// When it ran.
        public let verifiedAt: Date
        /// Entries verified (when intact) or the id of the first bad entry and why.
        public let outcome: Outcome

        /// What a verification found.
        public enum Outcome: Sendable, Hashable {
            /// Every entry verified.
            case intact(entries: Int64)
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

    /// Entries in the chain now.
    public let entries: Int64
    /// The last verification, if one ran.
    public let lastVerification: Verification?

    /// Creates a summary.
    /// - Parameters:
    ///   - entries: The chain's length.
    ///   - lastVerification: The last verification.
    public init(entries: Int64, lastVerification: Verification?) {
        self.entries = entries
        self.lastVerification = lastVerification
    }
}
