import TesseraAudit

/// The audit names of the Admin service's calls.
enum AdminAudit {
    static let entity = AuditName("admin")
    static let status = AuditName("admin.keyring_status")
    static let rotate = AuditName("admin.rotate")
    static let startRewrap = AuditName("admin.rewrap_start")
    static let getRewrap = AuditName("admin.rewrap_status")
    static let pauseRewrap = AuditName("admin.rewrap_pause")
    static let retire = AuditName("admin.retire")
    static let auditSummary = AuditName("admin.audit_summary")
    static let verifyAudit = AuditName("admin.audit_verify")
    static let caller = AuditName("caller")
    static let callerUnnamed = AuditName("caller_not_a_name")
    static let outcome = AuditName("outcome")
    static let reason = AuditName("reason")
    static let version = AuditName("version")
    static let targetVersion = AuditName("target_version")
    static let entries = AuditName("entries")
    static let firstBadEntry = AuditName("first_bad_entry")

    /// `versionInUse` → `version_in_use`, for an error code as an audit name.
    static func snake(_ camel: String) -> String {
        var result = ""
        for character in camel {
            if character.isUppercase {
                result += "_" + character.lowercased()
            } else {
                result.append(character)
            }
        }
        return result
    }
}
