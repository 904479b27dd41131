import Testing

@testable import TesseraCrypto

@Suite("Argon2 known answers")
struct Argon2KnownAnswerTests {
    @Test("RFC 9106 vectors with secret and associated data (libargon2)", arguments: try Argon2Fixtures.rfcVectors)
    func rfc9106(vector: Argon2Fixtures.RFCVector) throws {
        let variant = try #require(Argon2.Variant(rawValue: vector.type))
        let version = try #require(Argon2.Version(rawValue: vector.version))
        let tag = try Argon2.computeRaw(
            engine: .libargon2, variant: variant, version: version, memoryKiB: vector.memoryKiB,
            iterations: vector.iterations, parallelism: vector.parallelism,
            password: try Argon2Fixtures.hex(vector.password), salt: try Argon2Fixtures.hex(vector.salt),
            secret: try Argon2Fixtures.hex(vector.secret),
            associatedData: try Argon2Fixtures.hex(vector.associatedData),
            hashLength: vector.tagLength
        )
        #expect(tag == (try Argon2Fixtures.hex(vector.tag)))
    }

    @Test("libsodium refuses what it cannot compute (4 lanes, secret, associated data)")
    func libsodiumRefusesRFCParameters() throws {
        let vector = try #require(try Argon2Fixtures.rfcVectors.first)
        #expect(throws: CryptoError(.invalidParameter, "")) {
            try Argon2.computeRaw(
                engine: .libsodium, memoryKiB: vector.memoryKiB, iterations: vector.iterations,
                parallelism: vector.parallelism, password: [UInt8](repeating: 1, count: 32),
                salt: [UInt8](repeating: 2, count: 16), secret: [3, 3, 3, 3, 3, 3, 3, 3], hashLength: 32
            )
        }
    }

    @Test(
        "libsodium and libargon2 compute the same tag where both apply",
        arguments: [(Argon2.Variant.argon2id, 1), (.argon2id, 2), (.argon2i, 3), (.argon2i, 4)]
    )
    func enginesAgree(variant: Argon2.Variant, iterations: Int) throws {
        let password = Array("engines must agree".utf8)
        let salt = SecureRandom.bytes(count: 16)
        for hashLength in [16, 32, 64] {
            let sodium = try Argon2.computeRaw(
                engine: .libsodium, variant: variant, memoryKiB: 256, iterations: iterations, parallelism: 1,
                password: password, salt: salt, hashLength: hashLength
            )
            let reference = try Argon2.computeRaw(
                engine: .libargon2, variant: variant, memoryKiB: 256, iterations: iterations, parallelism: 1,
                password: password, salt: salt, hashLength: hashLength
            )
            #expect(sodium == reference)
            #expect(sodium.count == hashLength)
        }
    }

    @Test("engine support matches the libraries' documented limits")
    func engineSupport() {
        func sodium(_ variant: Argon2.Variant, v: Argon2.Version = .v13, t: Int = 2, p: Int = 1, salt: Int = 16) -> Bool
        {
            Argon2.engine(
                .libsodium, supports: variant, version: v, memoryKiB: 19_456, iterations: t, parallelism: p,
                saltLength: salt, hashLength: 32
            )
        }
        #expect(sodium(.argon2id))
        #expect(sodium(.argon2id, t: 1))
        #expect(!sodium(.argon2i, t: 2))
        #expect(sodium(.argon2i, t: 3))
        #expect(!sodium(.argon2id, v: .v10))
        #expect(!sodium(.argon2id, p: 2))
        #expect(!sodium(.argon2id, salt: 8))
        #expect(
            Argon2.engine(
                .libargon2, supports: .argon2i, version: .v10, memoryKiB: 64, iterations: 1, parallelism: 4,
                saltLength: 8, hashLength: 4, hasSecretOrAssociatedData: true
            )
        )
    }

    @Test("raw parameters that do not fit the C types are refused, not trapped on")
    func rawRangeChecks() {
        for (m, t, p, length) in [(-1, 1, 1, 32), (64, 0, 1, 32), (64, 1, 0, 32), (Int.max, 1, 1, 32), (64, 1, 1, 0)] {
            #expect(throws: CryptoError(.invalidParameter, "")) {
                try Argon2.computeRaw(
                    engine: .libargon2, memoryKiB: m, iterations: t, parallelism: p, password: [1, 2, 3],
                    salt: [UInt8](repeating: 0, count: 16), hashLength: length
                )
            }
        }
        // libargon2 itself refuses m < 8 × p and short salts; that reaches callers as invalidParameter too.
        #expect(throws: CryptoError(.invalidParameter, "")) {
            try Argon2.computeRaw(
                engine: .libargon2, memoryKiB: 16, iterations: 1, parallelism: 4, password: [1],
                salt: [UInt8](repeating: 0, count: 16), hashLength: 32
            )
        }
        #expect(throws: CryptoError(.invalidParameter, "")) {
            try Argon2.computeRaw(
                engine: .libargon2, memoryKiB: 64, iterations: 1, parallelism: 1, password: [1],
                salt: [1, 2, 3], hashLength: 32
            )
        }
    }
}
