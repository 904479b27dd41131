import Logging
import NIOConcurrencyHelpers
import Prometheus
import ServiceLifecycle
import TesseraObservability

/// Runs an ``ObservabilityServer`` on 127.0.0.1 with a free port inside a `ServiceGroup`, hands the port to the
/// test, then shuts the group down gracefully and waits for `run()` to return.
enum ServerHarness {
    static func withServer<Result: Sendable>(
        registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        configure: (inout ObservabilityServer.Configuration) -> Void = { _ in },
        readiness: @escaping @Sendable () async -> Bool = { true },
        logger: Logger = Logger(label: "test.observability"),
        _ body: (_ port: Int) async throws -> Result
    ) async throws -> Result {
        var configuration = ObservabilityServer.Configuration(host: "127.0.0.1", port: 0)
        configure(&configuration)
        let server = ObservabilityServer(
            configuration: configuration, registry: registry, logger: logger,
            readiness: readiness
        )
        let group = ServiceGroup(services: [server], logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let result: Result
            do {
                let port = try await server.listeningPort()
                result = try await body(port)
            } catch {
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        }
    }
}

/// A readiness flag a test can flip while the server runs.
final class ReadinessFlag: Sendable {
    private let value = NIOLockedValueBox(false)

    func set(_ ready: Bool) {
        self.value.withLockedValue { $0 = ready }
    }

    func get() -> Bool {
        self.value.withLockedValue { $0 }
    }
}
