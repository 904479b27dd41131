import Foundation
import TesseraCrypto
import TesseraKeyring
import TesseraStore
import Testing

/// Users' sealed TOTP secrets (`auth.users.totp_secret`) are keys under a master key version too: rewrap moves them,
/// status counts them, and retirement waits for them.
@Suite("Keyring: stored TOTP secrets", .timeLimit(.minutes(5)))
struct TOTPSecretRewrapTests {
    @Test(
        "rewrap moves every sealed TOTP secret with its ciphertext untouched; retire waits for them",
        arguments: Backend.allCases)
    func rewrapTOTPSecrets(backend: Backend) async throws {
        let root = RootKey.generate()
        try await backend.withDatabase { location in
            try await Backend.withStore(at: location) { store in
                let manager = try await KeyringManager.start(store: store, rootKey: root)
                var secrets: [UUID: (sealed: SealedEnvelope, base32: String)] = [:]
                for index in 0..<7 {
                    var user = makeUser()
                    if index != 3 {  // one user without TOTP: skipped by the scans
                        let secret = TOTPSecret.generate(for: .sha1)
                        let sealed = try manager.cipher.seal(
                            Array(secret.revealBase32().utf8), context: try TOTPSecretContext.make(userID: user.id)
                        )
                        user.sealedTOTPSecret = sealed.serialized
                        secrets[user.id] = (sealed, secret.revealBase32())
                    }
                    try await store.createUser(user)
                }
                try await manager.rotate()
                #expect(try await manager.status().versions.map(\.totpSecrets) == [6, 0])
                let refusal = await #expect(throws: KeyringError.self) { try await manager.retire(version: 1) }
                #expect(refusal?.code == .versionInUse)
                #expect(refusal?.description.contains("6 TOTP secrets") == true)

                // Interrupted after one batch of 4, then resumed.
                let partial = try await manager.rewrap(batchSize: 4, maxBatches: 1)
                #expect(!partial.finished && partial.total == 6 && partial.rewrapped == 4)
                #expect(try await manager.status().versions.map(\.totpSecrets) == [2, 4])
                let rest = try await manager.rewrap(batchSize: 4)
                #expect(rest.finished && rest.total == 2 && rest.rewrapped == 2 && rest.failed == 0)

                for (userID, original) in secrets {
                    let stored = try #require(try await store.user(id: userID)?.sealedTOTPSecret)
                    let envelope = try SealedEnvelope(serialized: stored)
                    #expect(envelope.masterKeyVersion == 2)
                    #expect(envelope.payload == original.sealed.payload, "the ciphertext is not re-encrypted")
                    let opened = try manager.cipher.open(envelope, context: try TOTPSecretContext.make(userID: userID))
                    #expect(opened.withUnsafeBytes { Array($0) } == Array(original.base32.utf8))
                }
                try await manager.retire(version: 1)
                #expect(try await store.masterKeyVersions().map(\.state) == [.retired, .active])
            }
        }
    }

    @Test("a TOTP secret sealed under another user's context is counted failed, left alone, and blocks retirement")
    func misboundSecret() async throws {
        try await Backend.sqlite.withDatabase { location in
            try await Backend.withStore(at: location) { store in
                let manager = try await KeyringManager.start(store: store, rootKey: .generate())
                var user = makeUser()
                let sealed = try manager.cipher.seal(
                    Array("JBSWY3DPEHPK3PXP".utf8), context: try TOTPSecretContext.make(userID: UUID())
                )
                user.sealedTOTPSecret = sealed.serialized
                try await store.createUser(user)
                try await manager.rotate()
                let report = try await manager.rewrap()
                #expect(report.failed == 1 && report.rewrapped == 0 && report.finished)
                #expect(try await store.user(id: user.id)?.sealedTOTPSecret == sealed.serialized)
                await expectKeyringError(.versionInUse) { try await manager.retire(version: 1) }
            }
        }
    }
}
