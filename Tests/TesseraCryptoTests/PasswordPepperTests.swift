import Crypto
import Testing

@testable import TesseraCrypto

@Suite("Password pepper")
struct PasswordPepperTests {
    static let key = SecretBytes(copying: Array("0123456789abcdef0123456789abcdef".utf8))

    @Test("a peppered hash records keyid after p= and verifies only with the pepper")
    func peppered() async throws {
        let pepper = try Pepper(id: "pep1", key: Self.key)
        let policy = try Argon2Fixtures.fastPolicy()
        let phc = try await Argon2Fixtures.withHasher(policy: policy, pepper: pepper) { hasher async throws in
            let phc = try await hasher.hash("pw")
            #expect(phc.hasPrefix("$argon2id$v=19$m=64,t=1,p=1,keyid=pep1$"))
            #expect(try await hasher.verify("pw", against: phc).isValid)
            #expect(!(try await hasher.verify("pw2", against: phc)).isValid)
            return phc
        }
        // A hasher without the pepper cannot verify it, and says so rather than answering "wrong password".
        try await Argon2Fixtures.withHasher(policy: policy) { hasher async throws in
            await #expect(throws: CryptoError(.pepperMismatch, "")) { try await hasher.verify("pw", against: phc) }
        }
        let other = try Pepper(id: "pep2", key: .random(count: 32))
        try await Argon2Fixtures.withHasher(policy: policy, pepper: other) { hasher async throws in
            await #expect(throws: CryptoError(.pepperMismatch, "")) { try await hasher.verify("pw", against: phc) }
        }
        // Same id but a different key: the hash simply does not match.
        let impostor = try Pepper(id: "pep1", key: .random(count: 32))
        try await Argon2Fixtures.withHasher(policy: policy, pepper: impostor) { hasher async throws in
            #expect(!(try await hasher.verify("pw", against: phc)).isValid)
        }
    }

    @Test("the Argon2 input is HMAC-SHA256(pepper, NFKC password), so the tag is reproducible independently")
    func design() async throws {
        let pepper = try Pepper(id: "pep1", key: Self.key)
        let phcText = try await Argon2Fixtures.withHasher(policy: try Argon2Fixtures.fastPolicy(), pepper: pepper) {
            try await $0.hash("ﬁsh")  // NFKC: "fish"
        }
        let phc = try PHCString(parsing: phcText)
        let mac = HMAC<SHA256>.authenticationCode(
            for: Array("fish".utf8), using: SymmetricKey(data: Array("0123456789abcdef0123456789abcdef".utf8))
        )
        let tag = try Argon2.computeRaw(
            engine: .libargon2, memoryKiB: 64, iterations: 1, parallelism: 1, password: Array(mac), salt: phc.salt,
            hashLength: 32
        )
        #expect(tag == phc.hash)
    }

    @Test("pepper ids follow the PHC value alphabet; keys are 16 to 1024 bytes; description hides the key")
    func validation() throws {
        for id in ["", "a_b", "with space", "é", "$", ",", "=", String(repeating: "a", count: 33)] {
            #expect(throws: CryptoError(.invalidParameter, ""), "\(id)") { try Pepper(id: id, key: Self.key) }
        }
        for id in ["a", "pep-2026.01", "A/B+c", String(repeating: "z", count: 32)] {
            #expect(try Pepper(id: id, key: Self.key).id == id)
        }
        #expect(throws: CryptoError(.invalidParameter, "")) { try Pepper(id: "p", key: .random(count: 15)) }
        let pepper = try Pepper(id: "p", key: Self.key)
        #expect(!pepper.description.contains("0123456789"))
        #expect(!String(reflecting: pepper).contains("0123456789"))
    }

    @Test("duplicate pepper ids are refused at configuration")
    func duplicates() throws {
        let a = try Pepper(id: "same", key: .random(count: 32))
        let b = try Pepper(id: "same", key: .random(count: 32))
        #expect(throws: CryptoError(.invalidParameter, "")) {
            try PasswordHasher(configuration: .init(pepper: a, retiredPeppers: [b], workers: 1))
        }
    }
}
