import Foundation
import TesseraAudit
import TesseraCrypto
import TesseraStore

extension KeyringManager {
    /// Re-wraps every provider key's data key (`providers.user_providers.encrypted_dek`) and every user's sealed
    /// TOTP secret (`auth.users.totp_secret`) that is not under the active version, online and in batches, in this
    /// process, without touching any encrypted payload (`encrypted_api_key`, the secret's ciphertext): what
    /// `tessera keys rewrap` does against the store.
    ///
    /// It is the server-driven rewrap (``startRewrap(batchSize:pause:requestedBy:now:)``), run here: it starts one
    /// (or resumes a paused one, or takes over one whose process died) and runs it with this process's lease. Each
    /// batch of rows is replaced by compare-and-swaps that also move the counts from the old versions to the active
    /// one, in one transaction with the rewrap's saved progress; so the run can be stopped anywhere (a crash,
    /// `maxBatches`, task cancellation) and simply run again. A row the user replaced meanwhile is left alone
    /// (`skipped`); a row whose data key does not open is left as it is and counted as `failed` (it keeps its
    /// version from being retired).
    ///
    /// - Parameters:
    ///   - batchSize: Rows per batch (default 500).
    ///   - maxBatches: Stop after this many batches and pause the rewrap (nil: run to the end).
    ///   - pause: The pause between batches (default none).
    ///   - requestedBy: Recorded as who started it (default `cli`).
    ///   - progress: Called after every batch.
    /// - Returns: This run's counts; `total` is what was left when it began; `finished` is false when it stopped
    ///   early.
    /// - Throws: ``KeyringError/Code/invalidArgument`` for a batch size below 1,
    ///   ``KeyringError/Code/rewrapRunning`` when another process is running the rewrap, `StoreError`.
    @discardableResult
    public func rewrap(
        batchSize: Int = 500,
        maxBatches: Int? = nil,
        pause: Duration = .zero,
        requestedBy: String = "cli",
        progress: (@Sendable (RewrapProgress) -> Void)? = nil
    ) async throws -> RewrapProgress {
        guard batchSize >= 1 else { throw KeyringError(.invalidArgument, "the batch size must be at least 1") }
        let now = Date()
        let owner = Self.processOwner
        let existing = try await store.rewrapJob()
        if let existing, existing.state == .running {
            if let holder = existing.owner, holder != owner, let until = existing.leaseUntil, until > now {
                throw Self.alreadyRunning(existing, now: now)
            }
            // Running but nobody holds it (its process died, or no server has picked it up): take it over.
        } else {
            try await startRewrap(batchSize: batchSize, pause: pause, requestedBy: requestedBy, now: now)
        }
        try await refreshIfChanged()
        let target = Int(cipher.keyring.activeVersion)
        let filter = ProviderDEKFilter.notPrefixed(Self.dekPrefix(version: target))
        let remaining = try await store.countProviderDEKs(filter) + store.countSealedTOTPSecrets(filter)
        let first = try await store.rewrapJob()
        let base =
            first
            ?? RewrapJobRecord(
                targetVersion: target, total: remaining, batchSize: batchSize, pauseMilliseconds: 0, requestedBy: "",
                now: now
            )
        let perRun: @Sendable (RewrapJobRecord) -> RewrapProgress = { job in
            var state = RewrapProgress(targetVersion: job.targetVersion, total: remaining)
            state.processed = job.processed - base.processed
            state.rewrapped = job.rewrapped - base.rewrapped
            state.skipped = job.skipped - base.skipped
            state.failed = job.failed - base.failed
            state.batches = Int(job.batches - base.batches)
            state.finished = job.state == .finished
            return state
        }
        progress?(perRun(base))
        guard
            let last = try await runRewrapJob(owner: owner, maxBatches: maxBatches, progress: { progress?(perRun($0)) })
        else {
            let current = try await store.rewrapJob()
            throw current.map { Self.alreadyRunning($0, now: Date()) }
                ?? KeyringError(.rewrapRunning, "the rewrap could not be started")
        }
        return perRun(last)
    }
}
