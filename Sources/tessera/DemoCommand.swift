import ArgumentParser
import Foundation
import TesseraCrypto
import TesseraKeyring

/// `tessera demo`: a guided tour of the crypto core (what `make demo` shows), sealing with the persistent keyring.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Walk through hashing, TOTP, envelope encryption and tokens with sample values.",
        discussion: """
            The envelope step seals and opens a sample value with the persistent keyring that 'tessera serve' \
            uses: the database of the store options (default the embedded SQLite file ./data/tessera.sqlite; \
            run 'tessera migrate' first, as 'make demo' does) and the root key (default the DEVELOPMENT key \
            keys-dev/root-key.dev). On an empty keyring it creates master key version 1; it changes nothing \
            else. The RPC server is 'tessera serve' ('make run').
            """
    )

    @OptionGroup var store: StoreOptions
    @OptionGroup var rootKey: RootKeyOptions

    func run() async throws {
        let hasher = try PasswordHasher()
        let policy = hasher.configuration.policy
        step("Argon2id password hashing (m=\(policy.memoryKiB) KiB, t=\(policy.iterations), p=\(policy.parallelism))")
        let phc = try await hasher.hash("correct horse battery staple")
        print("  hash:                \(phc)")
        let right = try await hasher.verify("correct horse battery staple", against: phc)
        let wrong = try await hasher.verify("Tr0ub4dor&3", against: phc)
        print("  right password:      valid=\(right.isValid) needsRehash=\(right.needsRehash)")
        print("  wrong password:      valid=\(wrong.isValid)")
        // Made by argon2-cffi (the reference C implementation): an imported hash from another system.
        let legacy = "$argon2i$v=19$m=4096,t=3,p=2$SIpus8boMygRwZ1mkuVV1w$COzGf/STdXbXNp+cJT3ADWRtkpit2z8AHCK7yrYdfgQ"
        let old = try await hasher.verify("password", against: legacy)
        print("  imported argon2i:    valid=\(old.isValid) needsRehash=\(old.needsRehash)")
        try await hasher.shutdown()

        step("Envelope encryption with the persistent keyring (\(store.displayName(url: try store.postgresURL())))")
        let sample = Array("sk-demo-not-a-real-key".utf8)
        let context = try EncryptionContext(["user_id": "42", "provider": "openai"])
        let otherRow = try EncryptionContext(["user_id": "43", "provider": "openai"])
        let shown = try await KeysCommand.withManager(store: store, rootKey: rootKey) { manager in
            let keyring = manager.cipher.keyring
            let sealed = try manager.cipher.seal(sample, context: context)
            try await manager.flushUsage()
            let opened = try manager.cipher.open(sealed, context: context)
            return [
                "  root key:            fingerprint \(manager.rootKeyFingerprint)",
                "  master key:          version \(sealed.masterKeyVersion) of \(keyring.keys.count), fingerprint "
                    + (keyring.activeKey.fingerprint ?? "none"),
                "  sealed (base64):     \(Data(sealed.serialized).base64EncodedString().prefix(48))…",
                "  opened:              \(opened.count) bytes, equal to the input: "
                    + "\(opened == SecretBytes(copying: sample))",
                "  moved to user 43:    refused=\((try? manager.cipher.open(sealed, context: otherRow)) == nil)",
            ]
        }
        for line in shown { print(line) }

        step("TOTP (RFC 6238)")
        let enrolment = try TOTPEnrolment(issuer: "Tessera", account: "demo@example.com")
        print("  otpauth URI:         \(enrolment.uri)")
        print("  QR code:             \(enrolment.qrPNG.count) bytes of PNG")
        let code = try TOTP.code(for: enrolment.secret, at: Date(), parameters: .default)
        let match = try TOTP.verify(code: code, secret: enrolment.secret, at: Date(), parameters: .default)
        print("  current code:        verified, time step \(match.map { String($0.timeStep) } ?? "none")")

        step("Opaque tokens (stored only as SHA-256)")
        for kind in TokenKind.allCases {
            let token = OpaqueToken.generate(kind)
            let reparsed = try OpaqueToken.parse(token.reveal(), expecting: kind)
            print(
                "  \(kind.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0)) \(kind.prefix)…  stored as sha256:\(reparsed.digest.hex.prefix(16))…"
            )
        }
    }

    private func step(_ title: String) {
        print("\n== \(title)")
    }
}
