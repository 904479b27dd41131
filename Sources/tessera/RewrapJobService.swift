import Foundation
import Logging
import ServiceLifecycle
import TesseraKeyring
import TesseraObservability

/// Runs the server-driven rewrap on this replica when it is running and no other replica holds its lease, checking
/// every `interval` (its lease: 5 intervals, at least 10 s, renewed by every batch); records the keyring's usage
/// and the rewrap's progress as metrics. Stops at graceful shutdown, handing the lease back.
struct RewrapJobService: Service {
    let keyring: KeyringManager
    let interval: Duration
    let metrics: KeyringMetrics
    let logger: Logger

    func run() async throws {
        await repeatUntilShutdown(every: interval) {
            do {
                let job = try await keyring.runRewrapJob(lease: max(.seconds(10), interval * 5)) { job in
                    metrics.recordRewrap(processed: job.processed, running: job.state == .running)
                }
                if job == nil, let current = try await keyring.rewrapJob() {
                    metrics.recordRewrap(processed: current.processed, running: current.state == .running)
                }
            } catch {
                logger.warning("rewrap step failed; retrying at the next check", metadata: ["error": "\(error)"])
            }
            let usage = keyring.currentUsage()
            metrics.recordUsage(wraps: usage.activeWraps, overWarning: usage.isOverWarning)
        }
    }
}
