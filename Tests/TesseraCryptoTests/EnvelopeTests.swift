import Testing

@testable import TesseraCrypto

@Suite("Envelope encryption: seal, open, tamper resistance")
struct EnvelopeTests {
    typealias T = EnvelopeTestSupport

    let keyring: Keyring
    let context: EncryptionContext
    let secret: [UInt8] = Array("sk-live-abcdefghijklmnopqrstuvwxyz0123".utf8)

    init() throws {
        keyring = try Keyring.generate()
        context = try T.context()
    }

    @Test("seal then open gives the plaintext back as SecretBytes")
    func roundTrip() throws {
        let envelope = try keyring.seal(secret, context: context)
        #expect(T.reveal(try keyring.open(envelope, context: context)) == secret)
        #expect(T.reveal(try keyring.open(serialized: envelope.serialized, context: context)) == secret)
        let parts = try keyring.open(
            wrappedKey: WrappedKey(serialized: envelope.wrappedKey.serialized),
            payload: SealedPayload(serialized: envelope.payload.serialized),
            context: context
        )
        #expect(T.reveal(parts) == secret)
        #expect(try SealedEnvelope(serialized: envelope.serialized) == envelope)
    }

    @Test("empty and maximum-size plaintexts round-trip; larger ones are refused", arguments: [0, 1, 65536])
    func sizes(_ count: Int) throws {
        let plaintext = SecureRandom.bytes(count: count)
        let envelope = try keyring.seal(plaintext, context: context)
        #expect(envelope.serialized.count == 7 + WrappedKey.byteCount + SealedPayload.overheadByteCount + count)
        #expect(T.reveal(try keyring.open(serialized: envelope.serialized, context: context)) == plaintext)
    }

    @Test("a plaintext over 64 KiB is refused")
    func tooLarge() throws {
        #expect(throws: CryptoError(.invalidParameter, "")) {
            try keyring.seal([UInt8](repeating: 1, count: 65537), context: context)
        }
    }

    @Test("every seal uses a fresh DEK and fresh nonces")
    func freshness() throws {
        let a = try keyring.seal(secret, context: context)
        let b = try keyring.seal(secret, context: context)
        #expect(a.wrappedKey.nonce != b.wrappedKey.nonce)
        #expect(a.payload.nonce != b.payload.nonce)
        #expect(a.wrappedKey.encryptedKey != b.wrappedKey.encryptedKey)
        #expect(a.payload.ciphertext != b.payload.ciphertext)
    }

    @Test("the layout matches the documented offsets")
    func layout() throws {
        let envelope = try keyring.seal(secret, context: context)
        let bytes = envelope.serialized
        #expect(bytes[0] == 1)
        #expect(Array(bytes[1..<5]) == [0, 0, 0, 1])
        #expect(Array(bytes[5..<7]) == [0, 65])
        #expect(Array(bytes[7..<72]) == envelope.wrappedKey.serialized)
        #expect(Array(bytes[72...]) == envelope.payload.serialized)
        #expect(Array(bytes[12..<24]) == envelope.wrappedKey.nonce)
        #expect(Array(bytes[73..<85]) == envelope.payload.nonce)
        #expect(envelope.payload.ciphertext.count == secret.count)
    }

    @Test("flipping any bit pattern 0x01 or 0x80 in any byte makes open fail", arguments: [UInt8(0x01), 0x80])
    func everyByteFlipped(_ mask: UInt8) throws {
        let bytes = try keyring.seal(secret, context: context).serialized
        for index in bytes.indices {
            var tampered = bytes
            tampered[index] ^= mask
            #expect(throws: CryptoError.authenticationFailure, "byte \(index) flipped with \(mask)") {
                try keyring.open(serialized: tampered, context: context)
            }
        }
    }

    @Test("every bit of a short envelope flipped in turn fails to open")
    func everyBitFlipped() throws {
        let bytes = try keyring.seal([0x42], context: context).serialized
        for index in bytes.indices {
            for bit in 0..<8 {
                var tampered = bytes
                tampered[index] ^= UInt8(1) << bit
                #expect(throws: CryptoError.authenticationFailure) {
                    try keyring.open(serialized: tampered, context: context)
                }
            }
        }
    }

    @Test("every truncation and every extension fails to open")
    func truncatedAndExtended() throws {
        let bytes = try keyring.seal(secret, context: context).serialized
        for length in 0..<bytes.count {
            #expect(throws: CryptoError.authenticationFailure, "truncated to \(length)") {
                try keyring.open(serialized: bytes.prefix(length), context: context)
            }
        }
        for extra in [[UInt8(0)], [0xff], [0, 0, 0, 0], SecureRandom.bytes(count: 100)] {
            #expect(throws: CryptoError.authenticationFailure) {
                try keyring.open(serialized: bytes + extra, context: context)
            }
        }
    }

    @Test("the context must match exactly; entry order does not matter")
    func contextBinding() throws {
        let envelope = try keyring.seal(secret, context: context)
        let reordered = try EncryptionContext(["provider": "openai", "user_id": "42"])
        #expect(T.reveal(try keyring.open(envelope, context: reordered)) == secret)
        let wrong: [EncryptionContext] = [
            try EncryptionContext(["user_id": "42", "provider": "openai", "extra": "1"]),
            try EncryptionContext(["user_id": "42"]),
            try EncryptionContext(["user_id": "43", "provider": "openai"]),
            try EncryptionContext(["user_id": "42", "provider": "OpenAI"]),
            try EncryptionContext(["user_id": "42", "providers": "openai"]),
            try EncryptionContext(["user_id": "4", "provider": "2openai"]),
            EncryptionContext.empty,
        ]
        for other in wrong {
            #expect(throws: CryptoError.authenticationFailure) { try keyring.open(envelope, context: other) }
        }
    }

    @Test("parts from two different secrets cannot be mixed")
    func partsNotInterchangeable() throws {
        let a = try keyring.seal(secret, context: context)
        let b = try keyring.seal(secret, context: context)
        #expect(throws: CryptoError.authenticationFailure) {
            try keyring.open(wrappedKey: a.wrappedKey, payload: b.payload, context: context)
        }
    }

    @Test("an envelope from another keyring, or naming an unknown version, fails opaquely")
    func unknownKey() throws {
        let other = try Keyring.generate()
        let envelope = try other.seal(secret, context: context)
        #expect(throws: CryptoError.authenticationFailure) { try keyring.open(envelope, context: context) }
        let later = try Keyring.generate(version: 9).seal(secret, context: context)
        #expect(throws: CryptoError.authenticationFailure) { try keyring.open(later, context: context) }
    }

    @Test("garbage of every small length is refused without trapping")
    func garbage() {
        for length in 0..<200 {
            let bytes = SecureRandom.bytes(count: length)
            #expect(throws: CryptoError.authenticationFailure) { try keyring.open(serialized: bytes, context: context) }
        }
    }

    @Test("parsing reports malformed bytes as malformedEnvelope; open hides it")
    func malformedIsInternal() throws {
        var bytes = try keyring.seal(secret, context: context).serialized
        bytes[0] = 2
        #expect(throws: CryptoError(.malformedEnvelope, "")) { try SealedEnvelope(serialized: bytes) }
        #expect(throws: CryptoError(.malformedEnvelope, "")) { try WrappedKey(serialized: [1, 2, 3]) }
        #expect(throws: CryptoError(.malformedEnvelope, "")) { try SealedPayload(serialized: [1]) }
        #expect(throws: CryptoError.authenticationFailure) { try keyring.open(serialized: bytes, context: context) }
    }

    @Test("errors and descriptions never contain the plaintext or key")
    func noLeaks() throws {
        let envelope = try keyring.seal(secret, context: context)
        let opened = try keyring.open(envelope, context: context)
        #expect(!"\(opened)".contains("sk-live"))
        #expect(!"\(keyring.activeKey)".contains(T.hex(T.reveal(keyring.activeKey.material))))
        do {
            _ = try keyring.open(envelope, context: .empty)
        } catch let error as CryptoError {
            #expect(error.description == "authenticationFailure: authentication failed")
        }
    }
}
