import Testing

@testable import TesseraCrypto

@Suite("Password needsRehash")
struct PasswordRehashTests {
    /// One way a stored hash can differ from the current policy.
    enum Difference: String, CaseIterable, Sendable {
        case algorithm, memory, iterations, parallelism, saltLength, hashLength

        func policy() throws -> PasswordPolicy {
            switch self {
            case .algorithm: try Argon2Fixtures.fastPolicy(algorithm: .argon2i)
            case .memory: try Argon2Fixtures.fastPolicy(memoryKiB: 128)
            case .iterations: try Argon2Fixtures.fastPolicy(iterations: 2)
            case .parallelism: try Argon2Fixtures.fastPolicy(parallelism: 2)
            case .saltLength: try Argon2Fixtures.fastPolicy(saltLength: 8)
            case .hashLength: try Argon2Fixtures.fastPolicy(hashLength: 16)
            }
        }
    }

    @Test("a hash made under the current policy needs no rehash")
    func samePolicy() async throws {
        try await Argon2Fixtures.withHasher(policy: try Argon2Fixtures.fastPolicy()) { hasher async throws in
            let phc = try await hasher.hash("same")
            #expect(try await hasher.verify("same", against: phc) == .init(isValid: true, needsRehash: false))
            #expect(try hasher.needsRehash(phc) == false)
        }
    }

    @Test("a hash differing in one parameter verifies and needs a rehash", arguments: Difference.allCases)
    func differs(in difference: Difference) async throws {
        let old = try await Argon2Fixtures.withHasher(policy: try difference.policy()) { try await $0.hash("pw") }
        try await Argon2Fixtures.withHasher(policy: try Argon2Fixtures.fastPolicy()) { hasher async throws in
            #expect(try await hasher.verify("pw", against: old) == .init(isValid: true, needsRehash: true))
            #expect(try hasher.needsRehash(old))
        }
    }

    @Test("a stronger stored hash also differs, so it is rewritten to the current policy")
    func stronger() async throws {
        let old = try await Argon2Fixtures.withHasher(policy: try Argon2Fixtures.fastPolicy(memoryKiB: 1024)) {
            try await $0.hash("pw")
        }
        try await Argon2Fixtures.withHasher(policy: try Argon2Fixtures.fastPolicy()) { hasher async throws in
            #expect(try await hasher.verify("pw", against: old).needsRehash)
        }
    }

    @Test("version 0x10 hashes verify and need a rehash")
    func version() async throws {
        let legacy = try Argon2Fixtures.referenceHashes.filter { $0.password == "legacy v1.0" }
        try #require(legacy.count == 4)
        let policy = try Argon2Fixtures.fastPolicy(iterations: 3)
        try await Argon2Fixtures.withHasher(policy: policy) { hasher async throws in
            for entry in legacy {
                #expect(
                    try await hasher.verify(entry.password, against: entry.phc)
                        == .init(isValid: true, needsRehash: true))
                // The same parameters at v=19 would not need one: the version alone triggers it.
                let phc = try PHCString(parsing: entry.phc)
                let current = try PHCString(
                    algorithm: .argon2id, version: .v13, memoryKiB: phc.memoryKiB, iterations: phc.iterations,
                    parallelism: phc.parallelism, salt: phc.salt, hash: phc.hash
                )
                #expect(try hasher.needsRehash(current.encoded) == false)
            }
        }
    }

    @Test("adding, removing or changing the pepper needs a rehash")
    func pepper() async throws {
        let policy = try Argon2Fixtures.fastPolicy()
        let one = try Pepper(id: "one", key: .random(count: 32))
        let two = try Pepper(id: "two", key: .random(count: 32))
        let plain = try await Argon2Fixtures.withHasher(policy: policy) { try await $0.hash("pw") }
        let withOne = try await Argon2Fixtures.withHasher(policy: policy, pepper: one) { try await $0.hash("pw") }
        try await Argon2Fixtures.withHasher(policy: policy, pepper: one) { hasher async throws in
            #expect(try await hasher.verify("pw", against: plain) == .init(isValid: true, needsRehash: true))
            #expect(try await hasher.verify("pw", against: withOne) == .init(isValid: true, needsRehash: false))
        }
        try await Argon2Fixtures.withHasher(policy: policy, pepper: two, retiredPeppers: [one]) { hasher async throws in
            #expect(try await hasher.verify("pw", against: withOne) == .init(isValid: true, needsRehash: true))
            #expect(try hasher.needsRehash(withOne))
        }
    }
}
