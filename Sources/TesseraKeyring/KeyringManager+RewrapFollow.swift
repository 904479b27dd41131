import Foundation
import TesseraStore

/// How a ``KeyringManager/rewrapOrFollow(batchSize:maxBatches:pause:requestedBy:followEvery:progress:following:)``
/// ended: this process ran the rewrap, or another process ran it while this one followed.
public enum RewrapRun: Sendable, Hashable {
    /// This process ran it (or its rest); the counts are this run's.
    case ran(RewrapProgress)
    /// Another process (a server replica) held it; this is the rewrap as it stopped there (finished or paused),
    /// with the whole rewrap's counts.
    case followed(RewrapJobRecord)
}

extension KeyringManager {
    /// What an operator running a rewrap against the store expects whatever else is going on: when no rewrap is
    /// running, starts one (or resumes a paused one) and runs it here, as ``rewrap(batchSize:maxBatches:pause:requestedBy:progress:)``;
    /// when another process (a server replica's rewrap job) holds the running one, follows it until it stops,
    /// reporting its progress, instead of refusing; when that process dies meanwhile (its lease expires, or it hands
    /// the lease back), takes the rest over and runs it here.
    ///
    /// Following reads the rewrap's row every `followEvery` and changes nothing, so stopping this call (a cancelled
    /// task, Ctrl-C) leaves the other process's rewrap running.
    ///
    /// - Parameters:
    ///   - batchSize: Rows per batch when this process starts the rewrap.
    ///   - maxBatches: Stop after this many batches of this process's own run, and pause the rewrap.
    ///   - pause: The pause between batches when this process starts the rewrap.
    ///   - requestedBy: Recorded as who started it.
    ///   - followEvery: How often to read the rewrap while another process runs it (default 2 s).
    ///   - progress: Called after every batch of this process's own run.
    ///   - following: Called with the rewrap as read, each time it is read while another process runs it (the first
    ///     call tells the caller that it is following).
    /// - Returns: Which of the two happened, with the counts.
    /// - Throws: ``KeyringError/Code/invalidArgument`` for a batch size below 1, `StoreError`, `CancellationError`.
    public func rewrapOrFollow(
        batchSize: Int = 500,
        maxBatches: Int? = nil,
        pause: Duration = .zero,
        requestedBy: String = "cli",
        followEvery: Duration = .seconds(2),
        progress: (@Sendable (RewrapProgress) -> Void)? = nil,
        following: (@Sendable (RewrapJobRecord) -> Void)? = nil
    ) async throws -> RewrapRun {
        while true {
            do {
                return .ran(
                    try await rewrap(
                        batchSize: batchSize, maxBatches: maxBatches, pause: pause, requestedBy: requestedBy,
                        progress: progress
                    )
                )
            } catch let error as KeyringError where error.code == .rewrapRunning {
                // Held by another process (or claimed by one between our start and our claim): follow it.
            }
            guard let last = try await followRewrap(every: followEvery, progress: following) else {
                continue
            }
            if last.state != .running { return .followed(last) }
            // Still running but nobody holds it any more: loop to take it over.
        }
    }

    /// Reads the rewrap every `interval` while another process holds a live lease on it.
    ///
    /// - Parameters:
    ///   - interval: The time between two reads.
    ///   - progress: Called with every read while it is held elsewhere.
    /// - Returns: The rewrap as last read: not running any more, or running with no live lease held by another
    ///   process (it may be taken over); nil when there is none.
    /// - Throws: `StoreError`, `CancellationError`.
    func followRewrap(
        every interval: Duration,
        progress: (@Sendable (RewrapJobRecord) -> Void)?
    ) async throws -> RewrapJobRecord? {
        while true {
            guard let job = try await store.rewrapJob() else { return nil }
            guard job.state == .running, let owner = job.owner, owner != Self.processOwner,
                let until = job.leaseUntil, until > Date()
            else { return job }
            progress?(job)
            try await Task.sleep(for: interval)
        }
    }
}
