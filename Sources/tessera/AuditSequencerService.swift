import ServiceLifecycle
import TesseraAudit

/// Runs the audit sequencer in the service group: every replica runs one, the one holding the store's lease
/// places entries and signs checkpoints, the others stand by to take over; it stops at graceful shutdown.
struct AuditSequencerService: Service {
    let sequencer: AuditSequencer

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await sequencer.run()
        }
    }
}
