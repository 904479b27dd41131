import Foundation
import TesseraAudit
import TesseraCrypto
import TesseraKeyring
import TesseraPKCS11
import TesseraStore
import TesseraTestSupport
import Testing

/// The root key in SoftHSM2 through PKCS#11: generated in the token, never out of it, and every bad input refused.
@Suite("PKCS#11 root key (SoftHSM2)", .enabled(if: SoftHSM.isInstalled, "softhsm2 is not installed"), .serialized)
struct PKCS11RootKeyTests {
    @Test("A key generated in the token never leaves it, opens the same every time, and carries a keyring")
    func generatedKeyCarriesAKeyring() async throws {
        let label = SoftHSM.label()
        let generated = try PKCS11RootKey.generate(try SoftHSM.key(label))
        #expect(generated.isDeviceBacked)
        #expect(generated.base64EncodedKey().isEmpty)
        #expect(try PKCS11RootKey.tokenRefusesToRevealKey(try SoftHSM.key(label)))
        #expect(throws: PKCS11Error(.keyExists, "")) { _ = try PKCS11RootKey.generate(try SoftHSM.key(label)) }

        let reopened = try PKCS11RootKey.open(try SoftHSM.key(label))
        #expect(reopened.fingerprint == generated.fingerprint)
        #expect(
            reopened.derivedKey(purpose: AuditSigningKey.purpose)
                == generated.derivedKey(purpose: AuditSigningKey.purpose))
        let other = try PKCS11RootKey.generate(try SoftHSM.key(SoftHSM.label()))
        #expect(other.fingerprint != generated.fingerprint)

        let master = try MasterKey.generate(version: 3)
        let wrapped = try generated.wrapMasterKey(master)
        #expect(wrapped.count == RootKey.wrappedMasterKeyByteCount)
        #expect(try reopened.unwrapMasterKey(wrapped, version: 3, state: .active).material == master.material)
        #expect(throws: CryptoError.authenticationFailure) {
            _ = try reopened.unwrapMasterKey(wrapped, version: 4, state: .active)
        }
        #expect(throws: CryptoError.authenticationFailure) {
            _ = try other.unwrapMasterKey(wrapped, version: 3, state: .active)
        }

        try await Backend.sqlite.withDatabase { location in
            try await Backend.withStore(at: location) { store in
                let context = try EncryptionContext(["k": "v"])
                let manager = try await KeyringManager.start(store: store, rootKey: generated)
                let sealed = try manager.cipher.seal(Array("in the token".utf8), context: context)
                let again = try await KeyringManager.start(store: store, rootKey: reopened)
                #expect((try? again.cipher.open(sealed, context: context)) != nil)
                await expectKeyringError(.rootKeyMismatch) {
                    _ = try await KeyringManager.start(store: store, rootKey: other)
                }
            }
        }
    }

    @Test("Bad input through the CLI: one line, non-zero exit, no PIN in the output, nothing changed")
    func badInput() async throws {
        let executable = packageRoot.appendingPathComponent(".build/debug/tessera").path
        try #require(FileManager.default.isExecutableFile(atPath: executable), "build the tessera executable first")
        let conf = try SoftHSM.configuration.get()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pkcs11-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = ["--sqlite-path", directory.appendingPathComponent("t.sqlite").path]
        let fileKey = RootKey.generate()
        let label = SoftHSM.label()
        let token = ["--pkcs11-module", SoftHSM.modulePath, "--pkcs11-token", SoftHSM.tokenLabel]
        let pinFile = directory.appendingPathComponent("pin").path
        _ = FileManager.default.createFile(
            atPath: pinFile, contents: Data("\(SoftHSM.pin)\n".utf8), attributes: [.posixPermissions: 0o600])
        func tessera(_ arguments: [String], _ environment: [String: String] = [:]) async throws -> ChildProcess.Outcome
        {
            try await runTessera(
                executable, arguments, environment: ["SOFTHSM2_CONF": conf].merging(environment) { $1 })
        }
        let withFile = [RootKey.environmentVariable: fileKey.base64EncodedKey()]
        #expect(try await tessera(["migrate"] + database).status == 0)
        #expect(try await tessera(["keys", "rotate"] + database, withFile).status == 0)

        // From the file key into the token (generated there); the file key is then refused, the token key opens.
        let rotate = try await tessera(
            ["keys", "rotate-root", "--new-pkcs11-key", label, "--pkcs11-pin-file", pinFile] + token + database,
            withFile
        )
        #expect(rotate.status == 0, "\(rotate.standardError)")
        #expect(try await tessera(["keys", "status"] + database, withFile).status != 0)
        let good = ["keys", "status", "--pkcs11-key", label, "--pkcs11-pin-file", pinFile] + token + database
        let before = try await tessera(good)
        #expect(before.status == 0, "\(before.standardError)")
        #expect(
            try await tessera(
                ["audit", "verify", "--pkcs11-key", label] + token + database, ["TESSERA_PKCS11_PIN": SoftHSM.pin]
            ).status == 0)

        let otherLabel = SoftHSM.label()
        _ = try PKCS11RootKey.generate(try SoftHSM.key(otherLabel))
        let cases: [(String, [String], [String: String], String)] = [
            ("wrong PIN", ["--pkcs11-key", label] + token, ["TESSERA_PKCS11_PIN": "not-the-pin-42"], "wrongPIN"),
            ("missing PIN", ["--pkcs11-key", label] + token, [:], "needs its PIN"),
            (
                "missing token",
                ["--pkcs11-key", label, "--pkcs11-module", SoftHSM.modulePath, "--pkcs11-token", "no-such-token"],
                ["TESSERA_PKCS11_PIN": SoftHSM.pin], "tokenNotFound"
            ),
            (
                "missing key label", ["--pkcs11-key", "no-such-key"] + token, ["TESSERA_PKCS11_PIN": SoftHSM.pin],
                "keyNotFound"
            ),
            (
                "a key that does not open the keyring", ["--pkcs11-key", otherLabel] + token,
                ["TESSERA_PKCS11_PIN": SoftHSM.pin], "rootKeyMismatch"
            ),
            (
                "a module that is not PKCS#11",
                [
                    "--pkcs11-key", label, "--pkcs11-module", "/usr/lib/no-such-module.so",
                    "--pkcs11-token", SoftHSM.tokenLabel,
                ], ["TESSERA_PKCS11_PIN": SoftHSM.pin], "moduleNotLoaded"
            ),
        ]
        for (name, options, environment, expected) in cases {
            for command in [["keys", "rotate"], ["keys", "status"], ["audit", "verify"]] {
                let outcome = try await tessera(command + options + database, environment)
                #expect(outcome.status != 0, "\(name): \(command)")
                let lines = outcome.standardError.split(separator: "\n").filter { !$0.hasPrefix("verify:") }
                #expect(lines.count == 1, "\(name): \(outcome.standardError)")
                #expect(outcome.standardError.contains(expected), "\(name): \(outcome.standardError)")
                #expect(!outcome.standardError.contains(SoftHSM.pin) && !outcome.standardError.contains("not-the-pin"))
            }
        }
        let after = try await tessera(good)
        #expect(after.standardOutput == before.standardOutput, "a refused command changed the keyring")
    }
}
