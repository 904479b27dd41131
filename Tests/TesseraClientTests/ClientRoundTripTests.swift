import Foundation
import TesseraClient
import TesseraWire
import Testing

@Suite("TesseraClient: typed calls against a fake server over 127.0.0.1", .timeLimit(.minutes(5)))
struct ClientRoundTripTests {
    @Test("every typed convenience encodes its request and decodes its response")
    func typedConveniences() async throws {
        try await TestClient.withServer(behaviour: FakeServices.behaviour()) { server, client in
            let health = try await client.health()
            #expect(health.isServing)
            #expect(health.components == [.init(name: "keyring", isServing: true, message: "")])

            let phc = try await client.hashPassword("hunter2hunter2")
            #expect(phc == FakeServices.phc(of: "hunter2hunter2"))
            let good = try await client.verifyPassword("hunter2hunter2", against: phc)
            #expect(good == .init(isValid: true, needsRehash: false, newHash: nil))
            let bad = try await client.verifyPassword("wrong", against: phc)
            #expect(!bad.isValid)
            let rehash = try await client.verifyPassword("hunter2hunter2", against: phc + "old")
            #expect(rehash == .init(isValid: true, needsRehash: true, newHash: phc))

            let context = ["user_id": "42", "purpose": "totp"]
            let enrolment = try await client.generateTotp(
                issuer: "Acme", account: "alice@example.com", context: context, algorithm: .sha256, digits: 8,
                periodSeconds: 60
            )
            #expect(enrolment.secretBase32 == "JBSWY3DPEHPK3PXP")
            #expect(enrolment.otpauthURI.hasPrefix("otpauth://totp/Acme:alice@example.com?"))
            #expect(enrolment.otpauthURI.hasSuffix("&digits=8&period=60&algorithm=2"))
            #expect(enrolment.qrPNG == [0x89, 0x50, 0x4E, 0x47])
            #expect(!String(describing: enrolment).contains("JBSWY3DPEHPK3PXP"))
            let totp = try await client.verifyTotp(
                code: "123456", sealedSecret: enrolment.sealedSecret, context: context, digits: 6
            )
            #expect(totp == .init(isValid: true, timeStep: 58_000_000, expiresIn: .seconds(17)))
            let wrongCode = try await client.verifyTotp(code: "000000", secretBase32: "JBSWY3DPEHPK3PXP", digits: 6)
            #expect(!wrongCode.isValid)

            let plaintext: [UInt8] = Array("sk-provider-key".utf8)
            let sealed = try await client.seal(plaintext, context: ["user_id": "7"])
            #expect(try await client.open(sealed, context: ["user_id": "7"]) == plaintext)
            let wrongContext = await clientError { _ = try await client.open(sealed, context: ["user_id": "8"]) }
            #expect(wrongContext?.code == .status(.invalidArgument))
            #expect(wrongContext?.message == "sealed value does not open")
            #expect(wrongContext?.method == "tessera.v1.Secrets/Open")

            let items = (0..<3).map { TesseraClient.BatchItem(Array("item \($0)".utf8), context: ["n": "\($0)"]) }
            let sealedItems = try await client.sealBatch(items).map { try $0.get() }
            #expect(sealedItems.count == 3)
            var toOpen = zip(sealedItems, items).map { TesseraClient.BatchItem($0, context: $1.context) }
            toOpen[1].context = ["n": "other"]
            let opened = try await client.openBatch(toOpen)
            #expect(try opened[0].get() == items[0].bytes)
            #expect(try opened[2].get() == items[2].bytes)
            #expect(throws: TesseraClientError(.status(.invalidArgument), "")) { try opened[1].get() }

            // Every call carried the credential as a bearer token and a deadline.
            let calls = server.log.snapshot.calls
            #expect(calls.allSatisfy { $0.call.metadata["authorization"] == "Bearer \(TestClient.credentialMarker)" })
            #expect(calls.allSatisfy { $0.call.timeoutMs > 0 && $0.call.timeoutMs <= 20_000 })
        }
    }

    @Test("a server status is thrown with its code and message, and is not retried")
    func serverStatus() async throws {
        let behaviour: FakeServer.Behaviour = { _, _ in .fail(.permissionDenied, "caller may not call this method") }
        try await TestClient.withServer(behaviour: behaviour) { server, client in
            let error = await clientError { _ = try await client.health() }
            #expect(error?.code == .status(.permissionDenied))
            #expect(error?.code.serverStatus == .permissionDenied)
            #expect(error?.message == "caller may not call this method")
            #expect(server.log.snapshot.calls.count == 1)
        }
    }

    @Test("the generic call refuses a request type that is not the method's, without sending")
    func mismatchedTypes() async throws {
        try await TestClient.withServer(behaviour: FakeServices.behaviour()) { server, client in
            let error = await clientError {
                _ = try await client.call(
                    MethodCatalog.secretsSeal, Tessera_V1_OpenRequest(), as: Tessera_V1_SealResponse.self
                )
            }
            #expect(error?.code == .invalidRequest)
            #expect(server.log.snapshot.calls.isEmpty)
        }
    }

    @Test("1000 concurrent calls over a pool, answered in shuffled order, each get their own reply")
    func thousandConcurrentCalls() async throws {
        let behaviour = FakeServices.behaviour { .microseconds(Int.random(in: 0...20_000)) }
        try await TestClient.withServer(connections: 4, behaviour: behaviour) { server, client in
            let count = 1000
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<count {
                    group.addTask {
                        let plaintext = Array("secret number \(index)".utf8)
                        let context = ["index": "\(index)"]
                        let sealed = try await client.seal(plaintext, context: context)
                        #expect(sealed == Array(FakeServices.seal(Data(plaintext), context)))
                    }
                }
                try await group.waitForAll()
            }
            let log = server.log.snapshot
            #expect(log.calls.count == count)
            let connections = Dictionary(grouping: log.calls, by: \.connection)
            #expect(connections.count == 4, "calls spread over all the pool's connections")
            for (connection, calls) in connections {
                let ids = calls.map(\.call.id)
                #expect(Set(ids).count == ids.count, "ids unique on connection \(connection)")
                #expect(ids.min() == 1, "ids start at 1 on connection \(connection)")
            }
            let shuffled = connections.keys.contains { connection in
                log.replies.filter { $0.connection == connection }.map(\.id)
                    != log.calls.filter { $0.connection == connection }.map(\.call.id)
            }
            #expect(shuffled, "the server answered out of order")
        }
    }
}
