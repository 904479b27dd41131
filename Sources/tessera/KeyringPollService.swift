import ServiceLifecycle
import TesseraKeyring

/// Runs the keyring's poll loop in the service group, so a master key version added by another process is used
/// within one interval; it stops at graceful shutdown.
struct KeyringPollService: Service {
    let keyring: KeyringManager
    let interval: Duration

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await keyring.run(pollInterval: interval)
        }
    }
}
