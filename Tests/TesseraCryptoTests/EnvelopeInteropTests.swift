import Testing

@testable import TesseraCrypto

/// Interop with `Tests/interop/envelope_interop.py`, an independent implementation of the documented format that
/// uses only Python `cryptography`'s AESGCM and is given nothing but the master key bytes and the context.
@Suite("Envelope interop with Python cryptography")
struct EnvelopeInteropTests {
    typealias T = EnvelopeTestSupport

    struct Request: Encodable {
        let op: String
        let master_key_hex: String
        let master_key_version: UInt32
        let context: [[String]]
        var envelope_hex: String?
        var plaintext_hex: String?
    }

    struct OpenAnswer: Decodable {
        let plaintext_hex: String
    }

    struct SealAnswer: Decodable {
        let envelope_hex: String
    }

    let material = SecureRandom.bytes(count: 32)
    let pairs = [["user_id", "7f3c2a"], ["provider", "anthropic"], ["tenant", "zoë & co"]]

    @Test("Python opens envelopes sealed by Tessera, after a rotation too", arguments: [0, 1, 300])
    func pythonOpensSwift(_ length: Int) async throws {
        var keyring = try T.keyring(version: 41, material: material)
        let context = try EncryptionContext(entries: pairs.map { ($0[0], $0[1]) })
        let plaintext = SecureRandom.bytes(count: length)
        let old = try keyring.seal(plaintext, context: context)
        let answer = try await Interop.run(
            "envelope_interop.py",
            input: Request(
                op: "open",
                master_key_hex: T.hex(material),
                master_key_version: 41,
                context: pairs.reversed(),
                envelope_hex: T.hex(old.serialized)
            ),
            as: OpenAnswer.self
        )
        #expect(answer.plaintext_hex == T.hex(plaintext))

        let newKey = try keyring.rotate()
        let rewrapped = SealedEnvelope(
            wrappedKey: try keyring.rewrap(old.wrappedKey, context: context), payload: old.payload)
        let afterRotation = try await Interop.run(
            "envelope_interop.py",
            input: Request(
                op: "open",
                master_key_hex: T.hex(T.reveal(newKey.material)),
                master_key_version: newKey.version,
                context: pairs,
                envelope_hex: T.hex(rewrapped.serialized)
            ),
            as: OpenAnswer.self
        )
        #expect(afterRotation.plaintext_hex == T.hex(plaintext))
    }

    @Test("Python refuses a Tessera envelope under a different context")
    func pythonRefusesWrongContext() async throws {
        let keyring = try T.keyring(version: 1, material: material)
        let envelope = try keyring.seal(
            [1, 2, 3] as [UInt8], context: EncryptionContext(entries: pairs.map { ($0[0], $0[1]) }))
        await #expect(throws: Interop.InteropFailure.self) {
            try await Interop.run(
                "envelope_interop.py",
                input: Request(
                    op: "open",
                    master_key_hex: T.hex(material),
                    master_key_version: 1,
                    context: [["user_id", "7f3c2a"], ["provider", "anthropic"]],
                    envelope_hex: T.hex(envelope.serialized)
                ),
                as: OpenAnswer.self
            )
        }
    }

    @Test("Tessera opens envelopes sealed by Python; a tampered one fails")
    func swiftOpensPython() async throws {
        let plaintext = Array("sk-ant-api03-interop".utf8)
        let answer = try await Interop.run(
            "envelope_interop.py",
            input: Request(
                op: "seal",
                master_key_hex: T.hex(material),
                master_key_version: 3,
                context: pairs,
                plaintext_hex: T.hex(plaintext)
            ),
            as: SealAnswer.self
        )
        var keyring = try T.keyring(version: 3, material: material)
        let context = try EncryptionContext(entries: pairs.reversed().map { ($0[0], $0[1]) })
        let bytes = T.bytes(hex: answer.envelope_hex)
        #expect(T.reveal(try keyring.open(serialized: bytes, context: context)) == plaintext)
        try keyring.rotate()
        #expect(T.reveal(try keyring.open(serialized: bytes, context: context)) == plaintext)
        var tampered = bytes
        tampered[tampered.count - 1] ^= 1
        #expect(throws: CryptoError.authenticationFailure) { try keyring.open(serialized: tampered, context: context) }
    }
}
