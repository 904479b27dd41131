import Foundation
import Synchronization
import TesseraServer
import TesseraWire

/// Test routers: `Secrets/Seal` replaced by a handler that sleeps for the milliseconds its context's `sleep_ms`
/// entry says, then echoes the plaintext, so tests control how long a call takes (cancel, deadline, shutdown,
/// in-flight limits). The duration is not the plaintext's size, so a long call is a small frame, which a connection
/// accepts before its first call is authenticated.
enum SlowSeal {
    static let method = MethodCatalog.secretsSeal.name

    static func install(_ router: inout CallRouter) {
        router.register(MethodCatalog.secretsSeal, request: Tessera_V1_SealRequest.self) { request, _ in
            try await Task.sleep(for: .milliseconds(Int(request.context["sleep_ms"] ?? "") ?? 0))
            var response = Tessera_V1_SealResponse()
            response.sealed = request.plaintext
            return response
        }
    }

    /// A request that takes `milliseconds` to serve.
    static func request(milliseconds: Int) -> Tessera_V1_SealRequest {
        var request = Tessera_V1_SealRequest()
        request.plaintext = Data(repeating: 0x2A, count: 8)
        request.context["sleep_ms"] = "\(milliseconds)"
        return request
    }
}

/// Test routers: `Secrets/Open` replaced by a handler that answers any request with a 900 KB plaintext, to fill
/// socket buffers quickly.
enum BigReply {
    static func install(_ router: inout CallRouter) {
        router.register(MethodCatalog.secretsOpen, request: Tessera_V1_OpenRequest.self) { _, _ in
            var response = Tessera_V1_OpenResponse()
            response.plaintext = Data(repeating: 0x55, count: 900 * 1024)
            return response
        }
    }
}

/// Test routers: `Secrets/Open` replaced by a handler that never answers on its own (it sleeps until its call is
/// cancelled), so a test that needs a call still in flight when its next frame arrives does not depend on how
/// fast a loaded machine sends that frame.
enum Stall {
    static let method = MethodCatalog.secretsOpen.name

    static func install(_ router: inout CallRouter) {
        router.register(MethodCatalog.secretsOpen, request: Tessera_V1_OpenRequest.self) { _, _ in
            try await Task.sleep(for: .seconds(600))
            return Tessera_V1_OpenResponse()
        }
    }
}

/// Test routers: `Secrets/Seal` replaced by a handler that holds every call until the test opens the gate, then
/// echoes the plaintext, so calls stay in flight for exactly as long as a test needs (a graceful shutdown's
/// go_away and the calls after it) rather than for a fixed time a loaded machine may outlast.
final class GatedSeal: Sendable {
    static let method = MethodCatalog.secretsSeal.name

    private let isOpen = Atomic<Bool>(false)

    /// Registers the gated handler; a call still held at its deadline or cancel ends as the server ends it.
    func install(_ router: inout CallRouter) {
        router.register(MethodCatalog.secretsSeal, request: Tessera_V1_SealRequest.self) { request, _ in
            while !self.isOpen.load(ordering: .acquiring) {
                try await Task.sleep(for: .milliseconds(5))
            }
            var response = Tessera_V1_SealResponse()
            response.sealed = request.plaintext
            return response
        }
    }

    /// Lets the held calls, and every later one, through.
    func open() {
        isOpen.store(true, ordering: .releasing)
    }
}
