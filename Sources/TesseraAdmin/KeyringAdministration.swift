import Foundation
import Logging
import TesseraAudit
import TesseraKeyring
import TesseraStore

/// Key management for operators, as the Admin service offers it: the keyring's status, rotation, the server-driven
/// rewrap, retirement and the audit chain's state, each call recorded in the audit chain with its caller and outcome.
///
/// The domain under `tessera.v1.Admin`: no protobuf, no transport. The keyring operations themselves are
/// ``KeyringManager``'s (which audits the key events: `keyring.rotated`, `keyring.rewrapped`, …); this type adds
/// the record of who asked (`admin.<operation>` with the caller's id and whether it was allowed), so a refused call
/// is in the chain too.
public struct KeyringAdministration: Sendable {
    /// The keyring.
    public let keyring: KeyringManager
    let audit: AuditLog
    let auditSummary: any AuditSummarySource
    let logger: Logger

    /// Creates the administration.
    /// - Parameters:
    ///   - keyring: The keyring.
    ///   - audit: Where calls are recorded.
    ///   - auditSummary: Where the audit chain's state comes from.
    ///   - logger: Where to log (never key material).
    public init(
        keyring: KeyringManager,
        audit: AuditLog,
        auditSummary: any AuditSummarySource,
        logger: Logger = Logger(label: "tessera.admin")
    ) {
        self.keyring = keyring
        self.audit = audit
        self.auditSummary = auditSummary
        self.logger = logger
    }

    /// The keyring's status.
    /// - Parameter caller: The caller's id.
    /// - Returns: The status.
    /// - Throws: `StoreError`.
    public func status(caller: String) async throws -> KeyringStatus {
        try await audited(AdminAudit.status, caller: caller) { _ in try await keyring.status() }
    }

    /// Rotates the master key.
    /// - Parameter caller: The caller's id.
    /// - Returns: The new active version.
    /// - Throws: ``KeyringError``, `StoreError`.
    public func rotate(caller: String) async throws -> Int {
        try await audited(AdminAudit.rotate, caller: caller) { payload in
            let version = try await keyring.rotate()
            payload.set(AdminAudit.version, keyVersion: version)
            return version
        }
    }

    /// Starts (or resumes) the server-driven rewrap; a replica's rewrap loop runs it.
    /// - Parameters:
    ///   - caller: The caller's id.
    ///   - batchSize: Rows per batch.
    ///   - pause: The pause between batches.
    /// - Returns: The rewrap as stored.
    /// - Throws: ``KeyringError/Code/rewrapRunning``, ``KeyringError/Code/invalidArgument``, `StoreError`.
    public func startRewrap(caller: String, batchSize: Int, pause: Duration) async throws -> RewrapJobRecord {
        try await audited(AdminAudit.startRewrap, caller: caller) { payload in
            let job = try await keyring.startRewrap(batchSize: batchSize, pause: pause, requestedBy: caller)
            payload.set(AdminAudit.targetVersion, keyVersion: job.targetVersion)
            return job
        }
    }

    /// The rewrap's progress.
    /// - Parameter caller: The caller's id.
    /// - Returns: The rewrap, or nil when none was ever started.
    /// - Throws: `StoreError`.
    public func rewrap(caller: String) async throws -> RewrapJobRecord? {
        try await audited(AdminAudit.getRewrap, caller: caller) { _ in try await keyring.rewrapJob() }
    }

    /// Pauses the running rewrap.
    /// - Parameter caller: The caller's id.
    /// - Returns: The paused rewrap.
    /// - Throws: ``KeyringError/Code/rewrapNotRunning``, `StoreError`.
    public func pauseRewrap(caller: String) async throws -> RewrapJobRecord {
        try await audited(AdminAudit.pauseRewrap, caller: caller) { _ in
            try await keyring.pauseRewrap(requestedBy: caller)
        }
    }

    /// Retires a version nothing references.
    /// - Parameters:
    ///   - caller: The caller's id.
    ///   - version: The version.
    /// - Throws: ``KeyringError`` (`unknownVersion`, `activeVersion`, `versionInUse`), `StoreError`.
    public func retire(caller: String, version: Int) async throws {
        try await audited(AdminAudit.retire, caller: caller) { payload in
            payload.set(AdminAudit.version, keyVersion: version)
            try await keyring.retire(version: version)
        }
    }

    /// The audit log's state.
    /// - Parameter caller: The caller's id.
    /// - Returns: The summary.
    /// - Throws: `StoreError`.
    public func auditSummary(caller: String) async throws -> AuditSummary {
        try await audited(AdminAudit.auditSummary, caller: caller) { _ in try await auditSummary.summary() }
    }

    /// Verifies the audit log now.
    /// - Parameter caller: The caller's id.
    /// - Returns: The verification.
    /// - Throws: `StoreError`.
    public func verifyAudit(caller: String) async throws -> AuditSummary.Verification {
        try await audited(AdminAudit.verifyAudit, caller: caller) { payload in
            let verification = try await auditSummary.verify()
            switch verification.outcome {
            case .intact(let entries, _):
                payload.set(AdminAudit.entries, count: entries)
            case .broken(let entryID, _):
                payload.set(AdminAudit.firstBadEntry, count: entryID)
            }
            return verification
        }
    }

    /// Runs `body` and records the call: its caller (when the id is a valid audit name; otherwise a flag saying it
    /// was not), its outcome, and for a refusal the error's code name. A failure to record is logged, not thrown
    /// over the result: the operation itself is already audited by the keyring.
    private func audited<Value: Sendable>(
        _ action: AuditName,
        caller: String,
        _ body: (inout AuditPayload) async throws -> Value
    ) async throws -> Value {
        var payload = AuditPayload()
        if let name = try? AuditName(validating: caller) {
            payload.set(AdminAudit.caller, identifier: name)
        } else {
            payload.set(AdminAudit.callerUnnamed, flag: true)
        }
        do {
            let value = try await body(&payload)
            payload.set(AdminAudit.outcome, outcome: .succeeded)
            await record(action, payload)
            return value
        } catch let error as KeyringError {
            payload.set(AdminAudit.outcome, outcome: .refused)
            if let code = try? AuditName(validating: AdminAudit.snake(error.code.description)) {
                payload.set(AdminAudit.reason, identifier: code)
            }
            await record(action, payload)
            throw error
        } catch {
            payload.set(AdminAudit.outcome, outcome: .failed)
            await record(action, payload)
            throw error
        }
    }

    private func record(_ action: AuditName, _ payload: AuditPayload) async {
        do {
            try await audit.append(entity: AdminAudit.entity, action: action, payload: payload)
        } catch {
            logger.error("an admin call could not be audited", metadata: ["action": "\(action)", "error": "\(error)"])
        }
    }
}
