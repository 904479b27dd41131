import ArgumentParser
import Foundation
import TesseraCrypto

/// `tessera demo`: a guided tour of the crypto core with the development master key (what `make run` shows).
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Walk through hashing, TOTP, envelope encryption and tokens with development keys.",
        discussion: "Uses sample values only. The RPC server (tessera serve) is being built; see the README."
    )

    @OptionGroup var key: MasterKeyOptions

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

        step("Envelope encryption with the master keyring")
        let loaded = try key.load()
        let cipher = EnvelopeCipher(keyring: loaded.keyring)
        let context = try EncryptionContext(["user_id": "42", "provider": "openai"])
        let sealed = try cipher.seal(Array("sk-demo-not-a-real-key".utf8), context: context)
        print("  master key:          version \(sealed.masterKeyVersion), fingerprint \(loaded.fingerprint)")
        print("  sealed (base64):     \(Data(sealed.serialized).base64EncodedString().prefix(48))…")
        let opened = try cipher.open(sealed, context: context)
        print(
            "  opened:              \(opened.count) bytes, equal to the input: \(opened == SecretBytes(copying: Array("sk-demo-not-a-real-key".utf8)))"
        )
        let otherRow = try EncryptionContext(["user_id": "43", "provider": "openai"])
        let moved = (try? cipher.open(sealed, context: otherRow)) == nil
        print("  moved to user 43:    refused=\(moved)")

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
