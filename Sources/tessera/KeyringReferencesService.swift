import Foundation
import Logging
import ServiceLifecycle
import TesseraKeyring
import TesseraObservability

/// Counts, at start and then every `interval`, the data keys still wrapped by master key versions that are no longer
/// active, and exports the count (`tessera_keyring_old_version_*`) for the alert on a rotation whose rewrap was
/// forgotten. A scan per old version, none when every old version is retired; a failed count is logged and the
/// previous values stay (their timestamp shows how old they are). Stops at graceful shutdown.
struct KeyringReferencesService: Service {
    let keyring: KeyringManager
    let interval: Duration
    let metrics: KeyringMetrics
    let logger: Logger

    func run() async throws {
        await repeatUntilShutdown(every: interval) {
            do {
                let references = try await keyring.countReferences()
                metrics.record(references)
            } catch {
                logger.warning(
                    "counting the old master key versions' data keys failed; retrying at the next interval",
                    metadata: ["error": "\(error)"]
                )
            }
        }
    }
}

extension KeyringMetrics {
    /// Records a count of the old versions' data keys.
    ///
    /// - Parameter references: The count.
    func record(_ references: KeyringReferences) {
        recordReferences(
            dataKeys: Dictionary(uniqueKeysWithValues: references.versions.map { ($0.version, $0.dataKeys) }),
            oldestReferencedSeconds: references.oldestReferencedAge,
            countedAt: references.countedAt.timeIntervalSince1970
        )
    }
}
