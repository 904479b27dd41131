import Foundation
import TesseraCrypto
import TesseraServer
import TesseraWire
import Testing

/// Authentication, authorisation and rate limits, over the wire and on the registry itself.
@Suite("Callers and authorisation", .timeLimit(.minutes(5)))
struct AuthorizationTests {
    @Test("Each failure has its code, in the documented order")
    func codes() async throws {
        // The calls before the first authenticated one count against the connection's unauthenticated lifetime,
        // which a loaded machine running the whole suite has outlasted: this test is about the codes, not the limit.
        let patient = ServerConfiguration(unauthenticatedIdleTimeout: .seconds(120))
        try await TestServer.with(configuration: patient) { server in
            let client = try await server.connect()
            let health = MethodCatalog.healthCheck.name
            // No credential, malformed, unknown: UNAUTHENTICATED, even for an unknown method.
            #expect(try await client.unary(health, token: nil).code == .unauthenticated)
            #expect(try await client.unary(health, token: "not-a-token").code == .unauthenticated)
            #expect(
                try await client.unary(health, token: OpaqueToken.generate(.refresh).reveal()).code == .unauthenticated)
            #expect(
                try await client.unary(health, token: OpaqueToken.generate(.caller).reveal()).code == .unauthenticated)
            #expect(try await client.unary("tessera.v1.Nope/Nothing", token: nil).code == .unauthenticated)
            // Authenticated: unknown method, then the allow list.
            #expect(
                try await client.unary("tessera.v1.Nope/Nothing", token: server.healthOnlyToken).code == .unimplemented)
            #expect(
                try await client.unary(MethodCatalog.passwordsHash.name, token: server.healthOnlyToken).code
                    == .permissionDenied)
            #expect(try await client.unary(health, token: server.healthOnlyToken).code == .ok)
            // A metadata value that is not Bearer.
            var call = Tessera_Wire_V1_Call()
            call.id = 900
            call.method = health
            call.metadata = ["authorization": "Basic \(server.adminToken)"]
            var frame = Tessera_Wire_V1_Frame()
            frame.kind = .call(call)
            try await client.send(frame)
            #expect(try await client.receiveReply().code == .unauthenticated)
        }
    }

    @Test("A caller over its rate limit gets RESOURCE_EXHAUSTED")
    func rateLimit() async throws {
        try await TestServer.with { server in
            let client = try await server.connect()
            var codes: [StatusCode] = []
            for _ in 0..<5 {
                codes.append(try await client.unary(MethodCatalog.healthCheck.name, token: server.limitedToken).code)
            }
            #expect(codes == [.ok, .ok, .ok, .resourceExhausted, .resourceExhausted])
            // Other callers are not affected.
            #expect(try await client.unary(MethodCatalog.healthCheck.name, token: server.adminToken).code == .ok)
        }
    }

    @Test(
        "Allow patterns",
        arguments: [
            ("*", "tessera.v1.Passwords/Hash", true),
            ("tessera.v1.Passwords/*", "tessera.v1.Passwords/Verify", true),
            ("tessera.v1.Passwords/*", "tessera.v1.Secrets/Open", false),
            ("tessera.v1.Secrets/Open", "tessera.v1.Secrets/Open", true),
            ("tessera.v1.Secrets/Open", "tessera.v1.Secrets/OpenBatch", false),
        ])
    func patterns(pattern: String, method: String, allowed: Bool) throws {
        let permission = try #require(MethodPermission(pattern))
        #expect(permission.allows(try #require(MethodCatalog.method(named: method))) == allowed)
    }

    @Test(
        "Malformed allow patterns are refused", arguments: ["", "Passwords*", "tessera.v1.Passwords/H*", "/*", "a/b/c"])
    func badPatterns(pattern: String) {
        #expect(MethodPermission(pattern) == nil)
    }

    @Test("The callers file round-trips, is written 0600, and bad files are refused")
    func callersFile() throws {
        let token = OpaqueToken.generate(.caller)
        let file = CallersFile(callers: [
            .init(
                id: "gateway", credentialSHA256: token.digest.hex, allow: ["tessera.v1.Secrets/*"],
                certificateSubject: "gateway.internal", rateLimit: .init(perSecond: 10, burst: 20))
        ])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("callers-\(UUID()).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try file.write(to: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("\"credential_sha256\""))
        #expect(!text.contains(token.reveal()))
        #expect(try CallersFile.load(from: path) == file)

        let registry = try CallerRegistry.load(from: path)
        // The caller has both a credential and a certificate subject: it needs both.
        let caller = try registry.authenticate(
            authorization: "Bearer \(token.reveal())", certificateSubject: "gateway.internal"
        ).get()
        #expect(caller.id == "gateway")
        #expect(throws: CallError.self) {
            try registry.authenticate(authorization: "Bearer \(token.reveal())", certificateSubject: nil).get()
        }
        #expect(throws: CallError.self) {
            try registry.authenticate(authorization: nil, certificateSubject: "gateway.internal").get()
        }
        #expect(throws: CallError.self) {
            try registry.authenticate(authorization: nil, certificateSubject: "someone.else").get()
        }

        #expect(throws: CallerRegistryError.self) {
            try CallerRegistry(file: CallersFile(callers: [.init(id: "x", credentialSHA256: "abc", allow: ["*"])]))
        }
        #expect(throws: CallerRegistryError.self) {
            try CallerRegistry(
                file: CallersFile(callers: [
                    .init(id: "x", credentialSHA256: token.digest.hex, allow: ["*"]),
                    .init(id: "x", credentialSHA256: token.digest.hex, allow: ["*"]),
                ]))
        }
    }

    @Test(
        "A certificate alone identifies only a caller without a credential; a caller with both needs both",
        arguments: [
            // (bearer of `both`, certificate subject presented, caller expected or nil for UNAUTHENTICATED)
            (false, "cert-only.internal", "cert-only"),
            (false, "both.internal", nil),
            (true, "both.internal", "both"),
            (true, nil, nil),
            (true, "cert-only.internal", nil),
            (false, nil, nil),
        ] as [(Bool, String?, String?)]
    )
    func certificateAndBearer(bearer: Bool, subject: String?, expected: String?) throws {
        let token = OpaqueToken.generate(.caller)
        let registry = try CallerRegistry(
            file: CallersFile(callers: [
                .init(id: "cert-only", credentialSHA256: nil, allow: ["*"], certificateSubject: "cert-only.internal"),
                .init(
                    id: "both", credentialSHA256: token.digest.hex, allow: ["*"], certificateSubject: "both.internal"),
            ]))
        let outcome = registry.authenticate(
            authorization: bearer ? "Bearer \(token.reveal())" : nil, certificateSubject: subject
        )
        switch outcome {
        case .success(let caller): #expect(caller.id == expected)
        case .failure(let error):
            #expect(expected == nil)
            #expect(error.code == .unauthenticated)
            #expect(!error.message.contains(token.reveal()))
        }
    }

    @Test("Two callers with one certificate_subject, or an empty one, are refused (at load and on replace)")
    func duplicateCertificateSubjects() throws {
        let token = OpaqueToken.generate(.caller)
        let duplicate = CallersFile(callers: [
            .init(id: "a", credentialSHA256: nil, allow: ["*"], certificateSubject: "shared.internal"),
            .init(id: "b", credentialSHA256: token.digest.hex, allow: ["*"], certificateSubject: "shared.internal"),
        ])
        #expect(throws: CallerRegistryError.self) { try CallerRegistry(file: duplicate) }
        let registry = try CallerRegistry(
            file: CallersFile(callers: [
                .init(id: "a", credentialSHA256: nil, allow: ["*"], certificateSubject: "shared.internal")
            ]))
        #expect(throws: CallerRegistryError.self) { try registry.replace(with: duplicate) }
        #expect(registry.callers.map(\.id) == ["a"])
        #expect(throws: CallerRegistryError.self) {
            try CallerRegistry(
                file: CallersFile(callers: [.init(id: "e", credentialSHA256: nil, allow: ["*"], certificateSubject: "")]
                )
            )
        }
    }

    @Test("Replacing the callers takes effect at once")
    func reload() throws {
        let first = OpaqueToken.generate(.caller)
        let second = OpaqueToken.generate(.caller)
        let registry = try CallerRegistry(
            file: CallersFile(callers: [
                .init(id: "a", credentialSHA256: first.digest.hex, allow: ["*"])
            ]))
        #expect(
            (try? registry.authenticate(authorization: "Bearer \(first.reveal())", certificateSubject: nil).get())
                != nil)
        try registry.replace(
            with: CallersFile(callers: [.init(id: "b", credentialSHA256: second.digest.hex, allow: ["*"])]))
        #expect(
            (try? registry.authenticate(authorization: "Bearer \(first.reveal())", certificateSubject: nil).get())
                == nil)
        #expect(
            (try? registry.authenticate(authorization: "Bearer \(second.reveal())", certificateSubject: nil).get())?.id
                == "b")
    }
}
