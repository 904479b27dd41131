import TesseraKeyring
import TesseraServer
import TesseraSettings

/// The keyring's part of `tessera serve`: the usage policy from the settings and its health component.
extension ServeCommand {
    /// The master key usage policy from the settings (`wrap_warning`, `rotate_after_wraps`, `rotate_after_days`),
    /// whose ranges ``ServerSettings/validate()`` has checked.
    static func usagePolicy(_ settings: ServerSettings) -> KeyringUsagePolicy {
        var policy = KeyringUsagePolicy()
        if let wrapWarning = settings.wrapWarning { policy.warnAfterWraps = Int64(wrapWarning) }
        policy.rotateAfterWraps = settings.rotateAfterWraps.map(Int64.init)
        policy.rotateAfterAge = settings.rotateAfterDays.map { .seconds(Int64($0 * 86_400)) }
        return policy
    }

    /// The `keyring_usage` health component: serving, with a warning once the active master key version is past
    /// its usage threshold (read from memory: the counts the keyring poll last flushed and read back).
    static func usageHealth(_ keyring: KeyringManager) -> HealthComponent {
        HealthComponent(name: "keyring_usage") {
            if let warning = keyring.currentUsage().warning { .servingWithWarning(warning) } else { .serving }
        }
    }
}
