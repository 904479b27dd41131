import Foundation
import Logging
import TesseraClient
import TesseraCrypto
import TesseraTestSupport
import TesseraWire
import Testing

/// What the server and the client log during a whole scripted session contains none of the secrets used.
@Suite("End to end: logs carry no secrets")
struct LogRedactionEndToEndTests {
    @Test(
        "a session with marker passwords, plaintexts, TOTP secret and codes, and a caller token leaves none in the logs"
    )
    func noSecretsInLogs() async throws {
        let serverLines = CapturingLogHandler.Store()
        let clientLines = CapturingLogHandler.Store()
        let serverLogger = CapturingLogHandler.logger("tessera.e2e.server", store: serverLines)
        let clientLogger = CapturingLogHandler.logger("tessera.e2e.client", store: clientLines)
        let password = "MARKER-password-\(UUID().uuidString)"
        let otherPassword = "MARKER-wrong-password-\(UUID().uuidString)"
        let plaintext = "MARKER-plaintext-\(UUID().uuidString)"
        let batchPlaintext = "MARKER-batch-plaintext-\(UUID().uuidString)"
        var markers: [String] = [password, otherPassword, plaintext, batchPlaintext]
        var codes: [String] = []

        try await Harness.with(logger: serverLogger, customize: { _ in }) { harness in
            markers.append(harness.adminToken)
            markers.append(harness.healthOnlyToken)
            let client = try harness.client(token: harness.adminToken, logger: clientLogger)
            let phc = try await client.hashPassword(password)
            _ = try await client.verifyPassword(password, against: phc)
            _ = try await client.verifyPassword(otherPassword, against: phc)
            _ = try? await client.hashPassword("")  // refused by the input rules, logged as a failed call

            let sealed = try await client.seal(Array(plaintext.utf8), context: ["purpose": "e2e-context"])
            _ = try await client.open(sealed, context: ["purpose": "e2e-context"])
            _ = try? await client.open(sealed, context: ["purpose": "wrong"])
            _ = try await client.rewrap(sealed, context: ["purpose": "e2e-context"])
            _ = try? await client.rewrap(sealed, context: ["purpose": "wrong"])
            let batch = try await client.sealBatch([.init(Array(batchPlaintext.utf8)), .init([])])
            let reopen = batch.compactMap { try? $0.get() }.map { TesseraClient.BatchItem($0) }
            _ = try await client.openBatch(reopen + [TesseraClient.BatchItem([9, 9])])

            let enrolment = try await client.generateTotp(issuer: "Tessera", account: "marker@example.com")
            markers.append(enrolment.secretBase32)
            let secret = try TOTPSecret(base32: enrolment.secretBase32)
            let code = try TOTP.code(for: secret, at: Date())
            codes.append(code)
            _ = try await client.verifyTotp(code: code, sealedSecret: enrolment.sealedSecret)
            _ = try await client.verifyTotp(code: code, secretBase32: enrolment.secretBase32)
            let wrongCode = TOTP.code(for: secret, timeStep: 7)
            codes.append(wrongCode)
            _ = try await client.verifyTotp(code: wrongCode, secretBase32: enrolment.secretBase32)

            // Failed authentication with a marker token, and a permission failure.
            let impostorToken = OpaqueToken.generate(.caller).reveal()
            markers.append(impostorToken)
            let impostor = try harness.client(token: impostorToken, logger: clientLogger)
            _ = try? await impostor.health()
            await impostor.shutdown()
            let prober = try harness.client(token: harness.healthOnlyToken, logger: clientLogger)
            _ = try? await prober.seal(Array(plaintext.utf8))
            await prober.shutdown()
            await client.shutdown()
        }

        let lines = serverLines.all + clientLines.all
        // The session was logged (one line per call at least), so the check below is not vacuous.
        #expect(serverLines.all.filter { $0.contains("method=") }.count >= 12)
        for marker in markers {
            let leaking = lines.filter { $0.contains(marker) }
            #expect(leaking.isEmpty, "a secret appears in \(leaking.count) log line(s)")
        }
        // Codes are short digit strings: look for them as whole words.
        for code in codes {
            let leaking = lines.filter { line in
                line.split(whereSeparator: { !$0.isNumber }).contains { $0 == code }
            }
            #expect(leaking.isEmpty, "a TOTP code appears in \(leaking.count) log line(s)")
        }
        // Nor does the marker prefix itself, whatever the secret around it.
        #expect(!lines.contains { $0.contains("MARKER") })
    }
}
