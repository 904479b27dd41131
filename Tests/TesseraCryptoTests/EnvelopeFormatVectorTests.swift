import Testing

@testable import TesseraCrypto

/// One envelope known answer from `Fixtures/envelope-vectors.json`, produced by the Python implementation of the
/// documented format.
struct EnvelopeVector: Codable, Sendable, CustomTestStringConvertible {
    let name: String
    let master_key_hex: String
    let master_key_version: UInt32
    let context: [[String]]
    let plaintext_hex: String
    let dek_hex: String
    let wrap_nonce_hex: String
    let payload_nonce_hex: String
    let envelope_hex: String
    let wrapped_key_hex: String
    let payload_hex: String
    let context_hex: String
    let wrap_aad_hex: String
    let payload_aad_hex: String

    var testDescription: String { name }

    func encryptionContext() throws -> EncryptionContext {
        try EncryptionContext(entries: context.map { ($0[0], $0[1]) })
    }
}

private struct EnvelopeVectorFile: Codable {
    let vectors: [EnvelopeVector]
}

private let envelopeVectors: [EnvelopeVector] = {
    (try? EnvelopeTestSupport.fixture("envelope-vectors", as: EnvelopeVectorFile.self).vectors) ?? []
}()

@Suite("Envelope format known answers (documented worked example)")
struct EnvelopeFormatVectorTests {
    typealias T = EnvelopeTestSupport

    @Test("the fixture holds the vectors")
    func loaded() {
        #expect(envelopeVectors.count == 3)
    }

    @Test("context encoding and both AADs are byte-exact", arguments: envelopeVectors)
    func aad(_ vector: EnvelopeVector) throws {
        let context = try vector.encryptionContext()
        #expect(T.hex(context.canonicalEncoding) == vector.context_hex)
        #expect(
            T.hex(EnvelopeFormat.wrapAAD(masterKeyVersion: vector.master_key_version, context: context))
                == vector.wrap_aad_hex
        )
        #expect(T.hex(EnvelopeFormat.payloadAAD(context: context)) == vector.payload_aad_hex)
    }

    @Test("sealing with the fixed DEK and nonces gives the exact bytes", arguments: envelopeVectors)
    func seal(_ vector: EnvelopeVector) throws {
        let keyring = try T.keyring(version: vector.master_key_version, material: T.bytes(hex: vector.master_key_hex))
        let envelope = try keyring.seal(
            T.bytes(hex: vector.plaintext_hex),
            context: vector.encryptionContext(),
            dek: SecretBytes(copying: T.bytes(hex: vector.dek_hex)),
            wrapNonce: T.bytes(hex: vector.wrap_nonce_hex),
            payloadNonce: T.bytes(hex: vector.payload_nonce_hex)
        )
        #expect(T.hex(envelope.serialized) == vector.envelope_hex)
        #expect(T.hex(envelope.wrappedKey.serialized) == vector.wrapped_key_hex)
        #expect(T.hex(envelope.payload.serialized) == vector.payload_hex)
    }

    @Test("the fixture's envelopes open", arguments: envelopeVectors)
    func open(_ vector: EnvelopeVector) throws {
        let keyring = try T.keyring(version: vector.master_key_version, material: T.bytes(hex: vector.master_key_hex))
        let opened = try keyring.open(
            serialized: T.bytes(hex: vector.envelope_hex), context: vector.encryptionContext())
        #expect(T.hex(T.reveal(opened)) == vector.plaintext_hex)
    }
}
