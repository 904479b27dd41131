import ServiceLifecycle

/// Runs `step` at once and then every `interval` until graceful shutdown (or cancellation): the loop of the
/// server's periodic services. A step handles its own errors; the loop only waits and stops.
/// - Parameters:
///   - interval: The pause between the end of one step and the start of the next.
///   - step: One run of the service's work.
func repeatUntilShutdown(every interval: Duration, _ step: @escaping @Sendable () async -> Void) async {
    await cancelWhenGracefulShutdown {
        while !Task.isCancelled {
            await step()
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
        }
    }
}
