import Testing

@testable import TesseraCrypto

/// One AES-GCM known answer from `Fixtures/aesgcm-vectors.json`.
struct AESGCMVector: Codable, Sendable, CustomTestStringConvertible {
    let name: String
    let key: String
    let nonce: String
    let plaintext: String
    let aad: String
    let ciphertext: String
    let tag: String
    let valid: Bool

    var testDescription: String { name }
}

private struct AESGCMVectorFile: Codable {
    let vectors: [AESGCMVector]
}

private let aesGCMVectors: [AESGCMVector] = {
    (try? EnvelopeTestSupport.fixture("aesgcm-vectors", as: AESGCMVectorFile.self).vectors) ?? []
}()

@Suite("AES-256-GCM known answers (McGrew–Viega / NIST, Wycheproof)")
struct EnvelopeAESGCMVectorTests {
    typealias T = EnvelopeTestSupport

    @Test("the fixture holds the expected vectors")
    func fixtureLoaded() {
        #expect(aesGCMVectors.count == 24)
        #expect(aesGCMVectors.contains { !$0.valid })
        #expect(aesGCMVectors.allSatisfy { T.bytes(hex: $0.key).count == 32 && T.bytes(hex: $0.nonce).count == 12 })
    }

    @Test(
        "valid vectors: seal gives the expected ciphertext and tag, open gives the plaintext",
        arguments: aesGCMVectors.filter(\.valid)
    )
    func valid(_ vector: AESGCMVector) throws {
        let key = T.bytes(hex: vector.key)
        let sealed = try AESGCM256.seal(
            T.bytes(hex: vector.plaintext),
            key: key,
            nonce: T.bytes(hex: vector.nonce),
            aad: T.bytes(hex: vector.aad)
        )
        #expect(T.hex(sealed.ciphertext) == vector.ciphertext)
        #expect(T.hex(sealed.tag) == vector.tag)
        let opened = try AESGCM256.open(
            ciphertext: T.bytes(hex: vector.ciphertext),
            tag: T.bytes(hex: vector.tag),
            key: key,
            nonce: T.bytes(hex: vector.nonce),
            aad: T.bytes(hex: vector.aad)
        )
        #expect(T.hex(T.reveal(opened)) == vector.plaintext)
    }

    @Test("invalid vectors (altered tags) fail with the opaque error", arguments: aesGCMVectors.filter { !$0.valid })
    func invalid(_ vector: AESGCMVector) {
        #expect(throws: CryptoError.authenticationFailure) {
            try AESGCM256.open(
                ciphertext: T.bytes(hex: vector.ciphertext),
                tag: T.bytes(hex: vector.tag),
                key: T.bytes(hex: vector.key),
                nonce: T.bytes(hex: vector.nonce),
                aad: T.bytes(hex: vector.aad)
            )
        }
    }

    @Test("wrong key, nonce and tag lengths are refused")
    func lengths() {
        let zeros = { (count: Int) in [UInt8](repeating: 0, count: count) }
        #expect(throws: CryptoError(.invalidParameter, "")) {
            try AESGCM256.seal([1, 2, 3] as [UInt8], key: zeros(16), nonce: zeros(12), aad: [])
        }
        #expect(throws: CryptoError(.invalidParameter, "")) {
            try AESGCM256.seal([1, 2, 3] as [UInt8], key: zeros(32), nonce: zeros(8), aad: [])
        }
        #expect(throws: CryptoError.authenticationFailure) {
            try AESGCM256.open(
                ciphertext: [],
                tag: [UInt8](repeating: 0, count: 15),
                key: [UInt8](repeating: 0, count: 32),
                nonce: [UInt8](repeating: 0, count: 12),
                aad: []
            )
        }
    }
}
