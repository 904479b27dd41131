import Testing

@testable import TesseraCrypto

@Suite("Password needsRehash")
struct PasswordRehashTests {
    /// One parameter in which a stored hash is weaker than the current policy: (stored under, verified under).
    enum Weakness: String, CaseIterable, Sendable {
        case algorithm, memory, iterations, parallelism, saltLength, hashLength

        func policies() throws -> (stored: PasswordPolicy, current: PasswordPolicy) {
            let fast = try Argon2Fixtures.fastPolicy()
            switch self {
            case .algorithm: return (try Argon2Fixtures.fastPolicy(algorithm: .argon2i), fast)
            case .memory: return (try Argon2Fixtures.fastPolicy(memoryKiB: 32), fast)
            case .iterations: return (fast, try Argon2Fixtures.fastPolicy(iterations: 2))
            case .parallelism: return (fast, try Argon2Fixtures.fastPolicy(parallelism: 2))
            case .saltLength: return (try Argon2Fixtures.fastPolicy(saltLength: 8), fast)
            case .hashLength: return (try Argon2Fixtures.fastPolicy(hashLength: 16), fast)
            }
        }
    }

    /// One parameter in which a stored hash is stronger than the current policy (``Argon2Fixtures/fastPolicy``).
    enum Strength: String, CaseIterable, Sendable {
        case memory, iterations, parallelism, saltLength, hashLength

        func stored() throws -> PasswordPolicy {
            switch self {
            case .memory: try Argon2Fixtures.fastPolicy(memoryKiB: 1024)
            case .iterations: try Argon2Fixtures.fastPolicy(iterations: 2)
            case .parallelism: try Argon2Fixtures.fastPolicy(parallelism: 2)
            case .saltLength: try Argon2Fixtures.fastPolicy(saltLength: 32)
            case .hashLength: try Argon2Fixtures.fastPolicy(hashLength: 64)
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

    @Test("a hash weaker than the policy in one parameter verifies and needs a rehash", arguments: Weakness.allCases)
    func weaker(in weakness: Weakness) async throws {
        let (stored, current) = try weakness.policies()
        let old = try await Argon2Fixtures.withHasher(policy: stored) { try await $0.hash("pw") }
        try await Argon2Fixtures.withHasher(policy: current) { hasher async throws in
            #expect(try await hasher.verify("pw", against: old) == .init(isValid: true, needsRehash: true))
            #expect(try hasher.needsRehash(old))
        }
    }

    @Test("a hash stronger than the policy is never rehashed down to it by default", arguments: Strength.allCases)
    func stronger(in strength: Strength) async throws {
        let old = try await Argon2Fixtures.withHasher(policy: try strength.stored()) { try await $0.hash("pw") }
        try await Argon2Fixtures.withHasher(policy: try Argon2Fixtures.fastPolicy()) { hasher async throws in
            #expect(try await hasher.verify("pw", against: old) == .init(isValid: true, needsRehash: false))
        }
        let exact = PasswordHasher.Configuration(policy: try Argon2Fixtures.fastPolicy(), rehashRule: .unlessExact)
        let exactHasher = try PasswordHasher(configuration: exact)
        let rewritten = try exactHasher.needsRehash(old)
        try await exactHasher.shutdown()
        #expect(rewritten)
    }

    @Test("the review's case: argon2-cffi m=65536,t=3,p=4 under the default policy keeps its strength")
    func strongerImportUnderDefaultPolicy() async throws {
        let salt = Array("sixteen-byte-slt".utf8)
        let tag = try Argon2.computeRaw(
            engine: .libargon2, memoryKiB: 65_536, iterations: 3, parallelism: 4, password: Array("pw".utf8),
            salt: salt, hashLength: 32)
        let phc = try PHCString(
            algorithm: .argon2id, memoryKiB: 65_536, iterations: 3, parallelism: 4, salt: salt, hash: tag
        ).encoded
        let hasher = try PasswordHasher(configuration: .init(workers: 1))
        let result = try await hasher.verify("pw", against: phc)
        try await hasher.shutdown()
        #expect(result == .init(isValid: true, needsRehash: false))
    }

    @Test("a hash weaker in one parameter and stronger in another is rehashed")
    func mixed() async throws {
        let stored = try Argon2Fixtures.fastPolicy(memoryKiB: 1024, saltLength: 8)
        let old = try await Argon2Fixtures.withHasher(policy: stored) { try await $0.hash("pw") }
        try await Argon2Fixtures.withHasher(policy: try Argon2Fixtures.fastPolicy()) { hasher async throws in
            #expect(try hasher.needsRehash(old))
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
