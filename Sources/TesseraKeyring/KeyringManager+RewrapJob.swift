import Foundation
import TesseraAudit
import TesseraCrypto
import TesseraStore

/// Thrown inside a batch's transaction when the lease was lost (paused, or taken over): rolls the batch back.
private struct LeaseLost: Error {}

extension KeyringManager {
    /// An owner name for this process's lease of the rewrap: host, process id and a random suffix (two processes on
    /// one host never share a name).
    public static let processOwner: String = {
        let host = ProcessInfo.processInfo.hostName.prefix(40)
        let suffix = UUID().uuidString.prefix(8).lowercased()
        return "\(host):\(ProcessInfo.processInfo.processIdentifier):\(suffix)"
    }()

    /// The rewrap as stored, if one was ever started.
    ///
    /// - Returns: The rewrap.
    /// - Throws: `StoreError`.
    public func rewrapJob() async throws -> RewrapJobRecord? {
        try await store.rewrapJob()
    }

    /// Starts a rewrap to the active version, or resumes a paused one, without running it: a process holding the
    /// lease (a replica's ``RewrapJobService``-style loop calling ``runRewrapJob(owner:lease:maxBatches:progress:)``,
    /// or `tessera keys rewrap`) does the work.
    ///
    /// - Parameters:
    ///   - batchSize: Rows per batch (ignored when resuming).
    ///   - pause: The pause between batches, the throttle (ignored when resuming).
    ///   - requestedBy: Who asks (a caller id, `cli`); recorded with the rewrap.
    ///   - now: The current time.
    /// - Returns: The rewrap as stored.
    /// - Throws: ``KeyringError/Code/rewrapRunning`` when one is running; ``KeyringError/Code/invalidArgument`` for
    ///   a batch size outside 1…100 000 or a pause above 60 s; `StoreError`.
    @discardableResult
    public func startRewrap(
        batchSize: Int = 500,
        pause: Duration = .zero,
        requestedBy: String,
        now: Date = Date()
    ) async throws -> RewrapJobRecord {
        guard (1...100_000).contains(batchSize) else {
            throw KeyringError(.invalidArgument, "the batch size must be between 1 and 100000")
        }
        guard pause >= .zero, pause <= .seconds(60) else {
            throw KeyringError(.invalidArgument, "the pause between batches must be between 0 and 60 s")
        }
        try await refreshIfChanged()
        if let existing = try await store.rewrapJob() {
            switch existing.state {
            case .running:
                throw Self.alreadyRunning(existing, now: now)
            case .paused:
                guard let resumed = try await store.changeRewrapJobState(from: .paused, to: .running, now: now) else {
                    throw KeyringError(.rewrapRunning, "the rewrap was resumed by another process meanwhile")
                }
                try await auditRewrap(KeyringAudit.rewrapResumed, resumed, requestedBy: requestedBy)
                return resumed
            case .finished:
                break
            }
        }
        let target = Int(cipher.keyring.activeVersion)
        let filter = ProviderDEKFilter.notPrefixed(Self.dekPrefix(version: target))
        let total = try await store.countProviderDEKs(filter) + store.countSealedTOTPSecrets(filter)
        let milliseconds = Int(pause.components.seconds * 1000 + pause.components.attoseconds / 1_000_000_000_000_000)
        let record = RewrapJobRecord(
            targetVersion: target, total: total, batchSize: batchSize, pauseMilliseconds: milliseconds,
            requestedBy: String(requestedBy.prefix(128)), now: now
        )
        guard try await store.startRewrapJob(record) else {
            let current = try await store.rewrapJob()
            throw current.map { Self.alreadyRunning($0, now: now) }
                ?? KeyringError(.rewrapRunning, "another process started a rewrap meanwhile")
        }
        logger.info("rewrap started", metadata: ["target_version": "\(target)", "total": "\(total)"])
        try await auditRewrap(KeyringAudit.rewrapStarted, record, requestedBy: requestedBy)
        return record
    }

    /// Pauses the running rewrap: the process running it stops after its current batch (whose work is rolled back
    /// if it had not committed) and nobody takes it over until it is started again.
    ///
    /// - Parameters:
    ///   - requestedBy: Who asks.
    ///   - now: The current time.
    /// - Returns: The paused rewrap.
    /// - Throws: ``KeyringError/Code/rewrapNotRunning`` when no rewrap is running; `StoreError`.
    @discardableResult
    public func pauseRewrap(requestedBy: String, now: Date = Date()) async throws -> RewrapJobRecord {
        guard let paused = try await store.changeRewrapJobState(from: .running, to: .paused, now: now) else {
            let state = try await store.rewrapJob()?.state.rawValue ?? "none"
            throw KeyringError(.rewrapNotRunning, "no rewrap is running (state: \(state)); nothing was changed")
        }
        logger.info("rewrap paused", metadata: ["target_version": "\(paused.targetVersion)"])
        try await auditRewrap(KeyringAudit.rewrapPaused, paused, requestedBy: requestedBy)
        return paused
    }

    /// Runs the rewrap if it is running and nobody else holds an unexpired lease: takes the lease, then batch after
    /// batch swaps data keys in and saves the progress (cursor, counts, renewed lease) in the same transaction, and
    /// sleeps the rewrap's pause between batches. Stops when the rewrap finishes, is paused, the lease is lost, the
    /// task is cancelled, or after `maxBatches` (then it pauses the rewrap).
    ///
    /// A rotation while it runs moves the target to the new active version and begins another pass; a pass that
    /// leaves rows behind that are not failures (sealed meanwhile by a replica that had not seen the rotation yet)
    /// is followed by another, up to three passes.
    ///
    /// - Parameters:
    ///   - owner: This process's lease name (default ``processOwner``).
    ///   - lease: How long the lease holds without renewal (default 30 s; renewed by every batch).
    ///   - maxBatches: Stop (and pause the rewrap) after this many batches; nil: to the end.
    ///   - progress: Called after every batch with the rewrap as saved.
    /// - Returns: The rewrap as last saved, or nil when there was nothing this process could run.
    /// - Throws: `StoreError`; the rewrap stays as last saved and another process takes it over later.
    @discardableResult
    public func runRewrapJob(
        owner: String = KeyringManager.processOwner,
        lease: Duration = .seconds(30),
        maxBatches: Int? = nil,
        progress: (@Sendable (RewrapJobRecord) -> Void)? = nil
    ) async throws -> RewrapJobRecord? {
        let leaseSeconds = Double(lease.components.seconds) + Double(lease.components.attoseconds) / 1e18
        guard
            var job = try await store.claimRewrapJob(
                owner: owner, now: Date(), leaseUntil: Date().addingTimeInterval(leaseSeconds))
        else { return nil }
        try await refreshIfChanged()
        guard Int(cipher.keyring.activeVersion) >= job.targetVersion else {
            // This process has not seen the rotation yet: hand the lease back and leave the rewrap to the next poll.
            var released = job
            released.owner = nil
            released.leaseUntil = nil
            _ = try await store.saveRewrapJob(released, owner: owner)
            return nil
        }
        let started = ContinuousClock.now
        let atStart = job
        var batches = 0
        var stopped = false
        while !stopped {
            if Task.isCancelled {
                // Shutting down: hand the lease back so another replica carries on at once, not after it expires.
                var released = job
                released.owner = nil
                released.leaseUntil = nil
                let store = self.store
                let saved = released
                _ = await Task { try? await store.saveRewrapJob(saved, owner: owner) }.value
                break
            }
            if let maxBatches, batches >= maxBatches {
                job.state = .paused
                stopped = true
            }
            let keyring = cipher.keyring
            let active = Int(keyring.activeVersion)
            var next = job
            if !stopped {
                if active > job.targetVersion {
                    let filter = ProviderDEKFilter.notPrefixed(Self.dekPrefix(version: active))
                    next.targetVersion = active
                    next.phase = .providerKeys
                    next.cursor = nil
                    next.passes += 1
                    next.total =
                        job.processed
                        + (try await store.countProviderDEKs(filter) + store.countSealedTOTPSecrets(filter))
                }
                let batch = try await prepareRewrapBatch(
                    phase: next.phase, after: next.cursor, limit: job.batchSize, keyring: keyring,
                    target: next.targetVersion
                )
                next.cursor = batch.last
                if batch.last == nil {
                    try await endOfPhase(&next)
                }
                next.updatedAt = Date()
                next.leaseUntil = next.state == .running ? next.updatedAt.addingTimeInterval(leaseSeconds) : nil
                next.owner = next.state == .running ? owner : nil
                let target = next.targetVersion
                let snapshot = next
                let outcome: RewrapBatchOutcome
                do {
                    outcome = try await store.transaction { tx in
                        let outcome = try await Self.apply(batch, target: target, in: tx)
                        var saved = snapshot
                        saved.processed += outcome.processed
                        saved.rewrapped += outcome.rewrapped
                        saved.skipped += outcome.skipped
                        saved.failed += outcome.failed
                        saved.batches += 1
                        guard try await tx.saveRewrapJob(saved, owner: owner) else { throw LeaseLost() }
                        return outcome
                    }
                } catch is LeaseLost {
                    logger.info("rewrap lease lost (paused or taken over); stopping")
                    break
                }
                next.processed += outcome.processed
                next.rewrapped += outcome.rewrapped
                next.skipped += outcome.skipped
                next.failed += outcome.failed
                next.batches += 1
                // A page that only moved the cursor to the next phase does not count against maxBatches.
                if outcome.processed > 0 { batches += 1 }
                job = next
                progress?(job)
                if job.state != .running { break }
                if job.pauseMilliseconds > 0 {
                    try? await Task.sleep(for: .milliseconds(job.pauseMilliseconds))
                }
            } else {
                // maxBatches reached: pause, so no other process carries on with what the operator stopped.
                next.owner = nil
                next.leaseUntil = nil
                next.updatedAt = Date()
                if try await store.saveRewrapJob(next, owner: owner) {
                    job = next
                    progress?(job)
                }
            }
        }
        if job != atStart {
            try await auditRun(from: atStart, to: job, duration: ContinuousClock.now - started)
        }
        return job
    }

    /// Moves the cursor past the end of the current phase: to the TOTP secrets, or to the end of the pass (finished,
    /// or another pass when rows not under the target are left that are not failures).
    private func endOfPhase(_ job: inout RewrapJobRecord) async throws {
        switch job.phase {
        case .providerKeys:
            job.phase = .totpSecrets
            job.cursor = nil
        case .totpSecrets:
            let filter = ProviderDEKFilter.notPrefixed(Self.dekPrefix(version: job.targetVersion))
            let remaining = try await store.countProviderDEKs(filter) + store.countSealedTOTPSecrets(filter)
            if remaining > job.failed && job.passes < 3 {
                job.passes += 1
                job.phase = .providerKeys
                job.cursor = nil
            } else {
                job.state = .finished
                job.finishedAt = Date()
            }
        }
    }

    static func alreadyRunning(_ job: RewrapJobRecord, now: Date) -> KeyringError {
        let percent = job.total > 0 ? min(100, Int(Double(job.processed) * 100 / Double(job.total))) : 0
        let holder: String
        if let owner = job.owner, let until = job.leaseUntil, until > now {
            holder = "on \(owner)"
        } else {
            holder = "waiting for a server to pick it up"
        }
        return KeyringError(
            .rewrapRunning,
            "a rewrap to version \(job.targetVersion) is already running (\(holder), \(percent)% done); "
                + "follow it with 'tessera keys rewrap --watch' or stop it with 'tessera keys rewrap --pause'"
        )
    }

    private func auditRewrap(_ action: AuditName, _ job: RewrapJobRecord, requestedBy: String) async throws {
        try await audit?.append(
            entity: KeyringAudit.entity, action: action,
            payload: KeyringAudit.payload {
                $0.set(KeyringAudit.targetVersion, keyVersion: job.targetVersion)
                $0.set(KeyringAudit.total, count: job.total)
                $0.set(KeyringAudit.processed, count: job.processed)
                $0.set(KeyringAudit.batchSize, count: Int64(job.batchSize))
                $0.set(KeyringAudit.pause, count: Int64(job.pauseMilliseconds))
                if let caller = try? AuditName(validating: requestedBy) {
                    $0.set(KeyringAudit.caller, identifier: caller)
                }
            }
        )
    }

    private func auditRun(from start: RewrapJobRecord, to end: RewrapJobRecord, duration: Duration) async throws {
        logger.info(
            "rewrap stopped",
            metadata: [
                "target_version": "\(end.targetVersion)", "rewrapped": "\(end.rewrapped - start.rewrapped)",
                "failed": "\(end.failed - start.failed)", "state": "\(end.state.rawValue)",
            ]
        )
        try await audit?.append(
            entity: KeyringAudit.entity, action: KeyringAudit.rewrapped,
            payload: KeyringAudit.payload {
                $0.set(KeyringAudit.targetVersion, keyVersion: end.targetVersion)
                $0.set(KeyringAudit.processed, count: end.processed - start.processed)
                $0.set(KeyringAudit.rewrappedCount, count: end.rewrapped - start.rewrapped)
                $0.set(KeyringAudit.skipped, count: end.skipped - start.skipped)
                $0.set(KeyringAudit.failed, count: end.failed - start.failed)
                $0.set(KeyringAudit.duration, duration: duration)
                let outcome: AuditOutcome =
                    end.state != .finished ? .interrupted : (end.failed > 0 ? .failed : .succeeded)
                $0.set(KeyringAudit.outcome, outcome: outcome)
            }
        )
    }
}
