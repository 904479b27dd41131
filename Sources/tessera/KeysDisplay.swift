import Foundation
import TesseraAdminServices
import TesseraKeyring
import TesseraWire

/// How `tessera keys` prints the keyring and the rewrap: from the Admin service's messages, which the direct mode
/// builds from the store, so both modes print the same.
enum KeysDisplay {
    static func wire(_ status: KeyringStatus) -> Tessera_V1_GetKeyringStatusResponse {
        AdminWire.status(status)
    }

    static func stateName(_ state: Tessera_V1_MasterKeyState) -> String {
        switch state {
        case .active: "active"
        case .decryptOnly: "decrypt_only"
        case .retired: "retired"
        default: "unknown"
        }
    }

    static func lines(_ status: Tessera_V1_GetKeyringStatusResponse) -> [String] {
        var lines = [
            "root key \(status.rootKeyFingerprint), keyring revision \(status.revision), "
                + "active version \(status.activeVersion)"
        ]
        let formatter = ISO8601DateFormatter()
        var rows = [
            [
                "version", "state", "data keys", "provider keys", "totp secrets", "wraps", "key fingerprint",
                "wrapped fingerprint", "created",
            ]
        ]
        for version in status.versions {
            rows.append([
                String(version.version), stateName(version.state), String(version.dataKeys),
                String(version.providerKeys), String(version.totpSecrets), String(version.wrapCount),
                version.keyFingerprint.isEmpty ? "-" : version.keyFingerprint, version.wrappedFingerprint,
                formatter.string(from: Date(timeIntervalSince1970: Double(version.createdAtUnixMs) / 1000)),
            ])
        }
        lines += Table.lines(rows)
        let usage = status.usage
        lines.append(
            "usage: version \(usage.activeVersion) wrapped \(usage.activeWraps) data keys "
                + "(warning at \(usage.warnAfterWraps))" + (usage.warning.isEmpty ? "" : "; WARNING: \(usage.warning)")
        )
        lines.append("rewrap: " + rewrapLine(status.rewrap))
        return lines
    }

    static func rewrapLine(_ rewrap: Tessera_V1_RewrapStatus) -> String {
        switch rewrap.state {
        case .none, .UNRECOGNIZED: return "none"
        default: break
        }
        let state: String
        switch rewrap.state {
        case .running: state = rewrap.owner.isEmpty ? "running (waiting for a server)" : "running on \(rewrap.owner)"
        case .paused: state = "paused"
        default: state = "finished"
        }
        return "\(state), to version \(rewrap.targetVersion): \(rewrap.processed)/\(rewrap.total) looked at, "
            + "\(rewrap.rewrapped) rewrapped, \(rewrap.skipped) skipped, \(rewrap.failed) failed, "
            + "\(rewrap.batches) batches of \(rewrap.batchSize), pause \(rewrap.pauseMs) ms"
    }
}
