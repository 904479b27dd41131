import TesseraAudit

/// The audit names of keyring operations.
enum KeyringAudit {
    static let entity = AuditName("keyring")
    static let bootstrapped = AuditName("keyring.bootstrapped")
    static let rotated = AuditName("keyring.rotated")
    static let rewrapped = AuditName("keyring.rewrapped")
    static let retired = AuditName("keyring.retired")
    static let rewrapStarted = AuditName("keyring.rewrap_started")
    static let rewrapResumed = AuditName("keyring.rewrap_resumed")
    static let rewrapPaused = AuditName("keyring.rewrap_paused")
    static let batchSize = AuditName("batch_size")
    static let pause = AuditName("pause_ms")
    static let total = AuditName("total")
    static let caller = AuditName("caller")
    static let rootRotated = AuditName("keyring.root-rotated")
    static let versions = AuditName("versions")
    static let deviceBacked = AuditName("device_backed")
    static let version = AuditName("version")
    static let previousVersion = AuditName("previous_version")
    static let targetVersion = AuditName("target_version")
    static let outcome = AuditName("outcome")
    static let reason = AuditName("reason")
    static let processed = AuditName("processed")
    static let rewrappedCount = AuditName("rewrapped")
    static let skipped = AuditName("skipped")
    static let failed = AuditName("failed")
    static let references = AuditName("references")
    static let duration = AuditName("duration_ms")

    static func payload(_ build: (inout AuditPayload) -> Void) -> AuditPayload {
        var payload = AuditPayload()
        build(&payload)
        return payload
    }
}
