import Foundation
import Logging
import Synchronization
import TesseraClient
import TesseraCrypto
import TesseraServer
import TesseraTestSupport
import TesseraWire
import Testing

/// Multiplexing, deadlines, cancellation, graceful shutdown, authorisation and rate limits, seen from the client.
@Suite("End to end: call behaviour through TesseraClient", .timeLimit(.minutes(5)))
struct CallBehaviourTests {
    /// One finished call of the multiplexing test: its kind, index and the order its reply came in.
    private enum Outcome: Sendable {
        case hash(index: Int, phc: String)
        case open(index: Int, plaintext: [UInt8])
        case health(isServing: Bool)
    }

    @Test("1000 calls on one connection, slow Hash mixed with fast Open and Health: replies out of order, all matched")
    func multiplexing() async throws {
        var configuration = ServerConfiguration()
        configuration.maxCallsInFlightPerConnection = 2000
        try await Harness.with(configuration: configuration) { harness in
            let client = try harness.client(token: harness.adminToken, connections: 1)
            let hashes = 40
            let opens = 480
            let passwords = (0..<hashes).map { "password number \($0) \(UUID())" }
            let plaintexts = (0..<opens).map { Array("plaintext \($0) \(UUID())".utf8) }
            let sealedItems = try await client.sealBatch(plaintexts.map { TesseraClient.BatchItem($0) })
                .map { try $0.get() }

            // Calls are issued in this order: every 25th a Hash, then Opens and Healths alternating.
            var plan: [Outcome] = []
            var nextHash = 0
            var nextOpen = 0
            for position in 0..<1000 {
                if position % 25 == 0, nextHash < hashes {
                    plan.append(.hash(index: nextHash, phc: ""))
                    nextHash += 1
                } else if position % 2 == 0, nextOpen < opens {
                    plan.append(.open(index: nextOpen, plaintext: []))
                    nextOpen += 1
                } else {
                    plan.append(.health(isServing: false))
                }
            }
            let completionOrder = Counter()
            let finished = try await withThrowingTaskGroup(of: (issued: Int, completed: Int, Outcome).self) { group in
                for (issued, call) in plan.enumerated() {
                    group.addTask {
                        let outcome: Outcome
                        switch call {
                        case .hash(let index, _):
                            outcome = .hash(index: index, phc: try await client.hashPassword(passwords[index]))
                        case .open(let index, _):
                            outcome = .open(index: index, plaintext: try await client.open(sealedItems[index]))
                        case .health:
                            outcome = .health(isServing: try await client.health().isServing)
                        }
                        let completed = completionOrder.next()
                        return (issued, completed, outcome)
                    }
                }
                var all: [(issued: Int, completed: Int, Outcome)] = []
                for try await result in group { all.append(result) }
                return all
            }
            #expect(finished.count == 1000)
            var hashesChecked = 0
            var opensChecked = 0
            for (_, _, outcome) in finished {
                switch outcome {
                case .hash(let index, let phc):
                    #expect(try await harness.hasher.verify(passwords[index], against: phc).isValid)
                    hashesChecked += 1
                case .open(let index, let plaintext):
                    #expect(plaintext == plaintexts[index])
                    opensChecked += 1
                case .health(let isServing):
                    #expect(isServing)
                }
            }
            #expect(hashesChecked == hashes && opensChecked == opens)
            // Out of order: some call issued after a Hash finished before it.
            let firstHash = try #require(finished.first(where: { $0.issued == 0 }))
            let overtaking = finished.filter { $0.issued > firstHash.issued && $0.completed < firstHash.completed }
            #expect(!overtaking.isEmpty)
            await client.shutdown()
        }
    }

    @Test("a call slower than its deadline fails with timedOut on the client")
    func deadline() async throws {
        try await Harness.with(customize: SlowSeal.install) { harness in
            let client = try harness.client(token: harness.adminToken)
            let started = ContinuousClock.now
            let error = await #expect(throws: TesseraClientError.self) {
                _ = try await client.seal(SlowSeal.plaintext(milliseconds: 60_000), timeout: .milliseconds(300))
            }
            #expect(error?.code == .timedOut || error?.code == .status(.deadlineExceeded))
            #expect(error?.code.statusCode == .deadlineExceeded)
            // The slow call takes a minute; failing well before proves the deadline, loosely enough for a loaded CI.
            #expect(ContinuousClock.now - started < .seconds(30))
            // The connection is still usable.
            #expect(try await client.health().isServing)
            await client.shutdown()
        }
    }

    @Test("cancelling the awaiting task fails the call with cancelled, and the server logs CANCELLED")
    func cancellation() async throws {
        let store = CapturingLogHandler.Store()
        let logger = CapturingLogHandler.logger("tessera.e2e.server", store: store)
        let started = SlowSeal.Started()
        try await Harness.with(logger: logger, customize: { SlowSeal.install(counting: started, &$0) }) { harness in
            let client = try harness.client(token: harness.adminToken)
            #expect(try await client.health().isServing)  // connected before the slow call
            let task = Task {
                try await client.seal(SlowSeal.plaintext(milliseconds: 120_000))
            }
            // Cancel once the server runs the call (however slowly a loaded machine sends it), so there is a call
            // for the client's cancel to end and for the server to log.
            let deadline = ContinuousClock.now + .seconds(60)
            while started.value < 1, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(started.value == 1, "the server started the call within 60 s")
            task.cancel()
            let result = await task.result
            guard case .failure(let failure) = result, let error = failure as? TesseraClientError else {
                Issue.record("the cancelled call did not fail with a TesseraClientError: \(result)")
                return
            }
            #expect(error.code == .cancelled)
            let logDeadline = ContinuousClock.now + .seconds(30)
            var logged = false
            while !logged && ContinuousClock.now < logDeadline {
                logged = store.all.contains {
                    $0.contains("method=tessera.v1.Secrets/Seal") && $0.contains("status=CANCELLED")
                }
                if !logged { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(logged, "server log lines: \(store.all)")
            await client.shutdown()
        }
    }

    @Test("graceful shutdown: calls in flight complete on the client, later calls fail")
    func gracefulShutdown() async throws {
        let started = SlowSeal.Started()
        try await Harness.with(customize: { SlowSeal.install(counting: started, &$0) }) { harness in
            let client = try harness.client(token: harness.adminToken, connections: 1)
            #expect(try await client.health().isServing)
            try await withThrowingTaskGroup(of: [UInt8].self) { group in
                for _ in 0..<5 {
                    group.addTask { try await client.seal(SlowSeal.plaintext(milliseconds: 3000)) }
                }
                // Shut down once all five are in flight on the server (however slowly a loaded machine sends them).
                let deadline = ContinuousClock.now + .seconds(60)
                while started.value < 5, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(10))
                }
                #expect(started.value == 5, "the server started all five calls within 60 s")
                harness.server.shutdownGracefully()
                var completed = 0
                for try await sealed in group {
                    #expect(sealed == SlowSeal.plaintext(milliseconds: 3000))
                    completed += 1
                }
                #expect(completed == 5)
            }
            // The listener is closed: a new call cannot reach the server.
            var configuration = TesseraClient.Configuration(
                host: "127.0.0.1", port: harness.port, credential: .init(harness.adminToken)
            )
            configuration.maxRetries = 0
            configuration.defaultTimeout = .seconds(2)
            let late = try TesseraClient(configuration: configuration)
            await #expect(throws: TesseraClientError.self) {
                _ = try await late.health()
            }
            await late.shutdown()
            await client.shutdown()
        }
    }

    @Test("no credential and a wrong credential are UNAUTHENTICATED; a method outside the list is PERMISSION_DENIED")
    func authorisation() async throws {
        try await Harness.with { harness in
            let anonymous = try harness.client(token: nil)
            let noCredential = await #expect(throws: TesseraClientError.self) {
                _ = try await anonymous.seal([1, 2, 3])
            }
            #expect(noCredential?.code == .status(.unauthenticated))
            #expect(noCredential?.method == MethodCatalog.secretsSeal.name)
            await anonymous.shutdown()

            let impostor = try harness.client(token: OpaqueToken.generate(.caller).reveal())
            let wrongCredential = await #expect(throws: TesseraClientError.self) {
                _ = try await impostor.hashPassword("correct horse battery staple")
            }
            #expect(wrongCredential?.code == .status(.unauthenticated))
            await impostor.shutdown()

            let prober = try harness.client(token: harness.healthOnlyToken)
            #expect(try await prober.health().isServing)
            let denied = await #expect(throws: TesseraClientError.self) {
                _ = try await prober.seal([1, 2, 3])
            }
            #expect(denied?.code == .status(.permissionDenied))
            await prober.shutdown()
        }
    }

    @Test("past its token bucket a caller gets RESOURCE_EXHAUSTED")
    func rateLimit() async throws {
        try await Harness.with { harness in
            let client = try harness.client(token: harness.limitedToken)
            for _ in 0..<3 {
                #expect(try await client.health().isServing)
            }
            let limited = await #expect(throws: TesseraClientError.self) {
                _ = try await client.health()
            }
            #expect(limited?.code == .status(.resourceExhausted))
            await client.shutdown()
        }
    }
}

/// A shared counter handing out 0, 1, 2, … in the order `next()` is called.
private final class Counter: Sendable {
    private let value = Atomic<Int>(0)

    func next() -> Int {
        value.wrappingAdd(1, ordering: .relaxed).oldValue
    }
}
