import Foundation
import TesseraAdmin
import TesseraKeyring
import TesseraServer
import TesseraStore
import TesseraWire

/// Conversions between the Admin domain's values and `admin.proto`'s messages (public for `tessera keys`, which
/// prints the same messages whether it read the store or asked a server).
public enum AdminWire {
    static func unixMilliseconds(_ date: Date?) -> Int64 {
        guard let date else { return 0 }
        return Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    static func state(_ state: MasterKeyState) -> Tessera_V1_MasterKeyState {
        switch state {
        case .active: .active
        case .decryptOnly: .decryptOnly
        case .retired: .retired
        }
    }

    /// The wire form of the rewrap (state `NONE` for nil); the owner only while its lease holds at `now`.
    /// - Parameters:
    ///   - job: The rewrap.
    ///   - now: The current time.
    /// - Returns: The message.
    public static func rewrap(_ job: RewrapJobRecord?, now: Date = Date()) -> Tessera_V1_RewrapStatus {
        var wire = Tessera_V1_RewrapStatus()
        guard let job else {
            wire.state = .none
            return wire
        }
        switch job.state {
        case .running: wire.state = .running
        case .paused: wire.state = .paused
        case .finished: wire.state = .finished
        }
        wire.targetVersion = UInt32(clamping: job.targetVersion)
        wire.total = job.total
        wire.processed = job.processed
        wire.rewrapped = job.rewrapped
        wire.skipped = job.skipped
        wire.failed = job.failed
        wire.batches = job.batches
        wire.batchSize = UInt32(clamping: job.batchSize)
        wire.pauseMs = UInt32(clamping: job.pauseMilliseconds)
        if let owner = job.owner, let until = job.leaseUntil, until > now {
            wire.owner = owner
        }
        wire.requestedBy = job.requestedBy
        wire.startedAtUnixMs = unixMilliseconds(job.startedAt)
        wire.updatedAtUnixMs = unixMilliseconds(job.updatedAt)
        wire.finishedAtUnixMs = unixMilliseconds(job.finishedAt)
        wire.passes = UInt32(clamping: job.passes)
        return wire
    }

    /// The wire form of the keyring's status.
    /// - Parameter status: The status.
    /// - Returns: The message.
    public static func status(_ status: KeyringStatus) -> Tessera_V1_GetKeyringStatusResponse {
        var response = Tessera_V1_GetKeyringStatusResponse()
        response.revision = status.revision
        response.activeVersion = UInt32(clamping: status.activeVersion)
        response.rootKeyFingerprint = status.rootKeyFingerprint
        response.versions = status.versions.map { version in
            var wire = Tessera_V1_MasterKeyVersion()
            wire.version = UInt32(clamping: version.version)
            wire.state = state(version.state)
            wire.createdAtUnixMs = unixMilliseconds(version.createdAt)
            wire.dataKeys = version.dekCount
            wire.providerKeys = version.providerKeys
            wire.totpSecrets = version.totpSecrets
            wire.wrapCount = version.wrapCount
            wire.keyFingerprint = version.keyFingerprint ?? ""
            wire.wrappedFingerprint = version.wrappedFingerprint
            return wire
        }
        var usage = Tessera_V1_KeyringUsage()
        usage.activeVersion = UInt32(clamping: status.usage.activeVersion)
        usage.activeWraps = status.usage.activeWraps
        usage.warnAfterWraps = status.usage.warnAfterWraps
        usage.warning = status.usage.warning ?? ""
        response.usage = usage
        response.rewrap = rewrap(status.rewrap)
        return response
    }

    static func verification(_ verification: AuditSummary.Verification) -> Tessera_V1_AuditVerificationSummary {
        var wire = Tessera_V1_AuditVerificationSummary()
        wire.verifiedAtUnixMs = unixMilliseconds(verification.verifiedAt)
        switch verification.outcome {
        case .intact(let entries, let unsealed):
            wire.intact = true
            wire.entries = entries
            wire.unsealedEntries = unsealed
        case .broken(let entryID, let reason):
            wire.intact = false
            wire.firstBadEntry = entryID
            wire.reason = reason
        }
        return wire
    }

    /// The status of a keyring or store error: refusals by kind with their one-line reason (versions and counts,
    /// never keys), store failures without their text.
    static func callError(_ error: any Error) -> CallError {
        switch error {
        case let error as KeyringError:
            switch error.code {
            case .invalidArgument: return CallError(.invalidArgument, error.message)
            case .unknownVersion: return CallError(.notFound, error.message)
            case .activeVersion, .versionInUse, .rewrapRunning, .rewrapNotRunning, .concurrentChange:
                return CallError(.failedPrecondition, error.message)
            case .storeTimeout: return CallError(.unavailable, "the store did not answer in time; retry")
            default: return CallError(.internal, "keyring error: \(error.code)")
            }
        case let error as StoreError where error.code == .connection:
            return CallError(.unavailable, "the store is unavailable; retry")
        case let error as StoreError where error.code == .conflict:
            return CallError(.aborted, "the operation conflicted with a concurrent one and changed nothing; retry")
        case is StoreError:
            return CallError(.internal, "internal error")
        default:
            return CallError.from(error)
        }
    }

    /// Runs a domain call, translating its errors.
    static func run<Value: Sendable>(_ body: () async throws -> Value) async throws -> Value {
        do {
            return try await body()
        } catch {
            throw callError(error)
        }
    }
}
