import ArgumentParser
import TesseraKeyring
import TesseraServer

/// The keyring's part of `tessera serve`: the usage policy from the flags and its health component.
extension ServeCommand {
    /// The master key usage policy from the flags.
    func usagePolicy() throws -> KeyringUsagePolicy {
        var policy = KeyringUsagePolicy()
        if let wrapWarning {
            guard (1...KeyringUsagePolicy.nistRandomNonceLimit).contains(wrapWarning) else {
                throw ValidationError("--wrap-warning must be between 1 and 4294967296")
            }
            policy.warnAfterWraps = wrapWarning
        }
        if let rotateAfterWraps {
            guard (1...KeyringUsagePolicy.nistRandomNonceLimit).contains(rotateAfterWraps) else {
                throw ValidationError("--rotate-after-wraps must be between 1 and 4294967296")
            }
            policy.rotateAfterWraps = rotateAfterWraps
        }
        if let rotateAfterDays {
            guard rotateAfterDays >= 1.0 / 24, rotateAfterDays <= 3650 else {
                throw ValidationError("--rotate-after-days must be between 0.042 (one hour) and 3650")
            }
            policy.rotateAfterAge = .seconds(Int64(rotateAfterDays * 86_400))
        }
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
