import Testing

@testable import TesseraCrypto

@Suite("Argon2 reference PHC strings")
struct Argon2ReferenceHashTests {
    @Test(
        "hashes made by argon2-cffi verify, and wrong passwords do not", arguments: try Argon2Fixtures.referenceHashes)
    func referenceHash(entry: Argon2Fixtures.ReferenceHash) async throws {
        try await Argon2Fixtures.withHasher(policy: .default) { hasher async throws in
            let good = try await hasher.verify(entry.password, against: entry.phc)
            #expect(good.isValid)
            let wrong = try await hasher.verify(entry.password + "x", against: entry.phc)
            #expect(!wrong.isValid)
            let almost = try await hasher.verify(String(entry.password.dropLast()), against: entry.phc)
            #expect(!almost.isValid)
        }
    }

    @Test(
        "reference strings survive a parse and re-encode unchanged (v=16/19 written explicitly)",
        arguments: try Argon2Fixtures.referenceHashes)
    func canonicalRoundTrip(entry: Argon2Fixtures.ReferenceHash) throws {
        let phc = try PHCString(parsing: entry.phc)
        if entry.phc.contains("$v=") {
            #expect(phc.encoded == entry.phc)
        } else {
            #expect(phc.version == .v10)
            #expect(phc.encoded == entry.phc.replacingOccurrences(of: "$m=", with: "$v=16$m="))
        }
    }

    @Test("only the OWASP-default argon2id hash matches the default policy")
    func needsRehashAgainstDefault() async throws {
        try await Argon2Fixtures.withHasher(policy: .default) { hasher async throws in
            for entry in try Argon2Fixtures.referenceHashes {
                let isDefault = entry.note == "argon2id t=2 m=19456 p=1 hash=32 salt=16"
                #expect(try hasher.needsRehash(entry.phc) == !isDefault, "\(entry.note)")
            }
        }
    }

    @Test("a tampered reference hash does not verify")
    func tampered() async throws {
        let entry = try #require(try Argon2Fixtures.referenceHashes.first { $0.phc.contains("m=64,t=1") })
        let phc = try PHCString(parsing: entry.phc)
        var hash = phc.hash
        hash[0] ^= 0x01
        let flipped = try PHCString(
            algorithm: phc.algorithm, version: phc.version, memoryKiB: phc.memoryKiB, iterations: phc.iterations,
            parallelism: phc.parallelism, salt: phc.salt, hash: hash
        ).encoded
        try await Argon2Fixtures.withHasher(policy: .default) { hasher async throws in
            #expect(!(try await hasher.verify(entry.password, against: flipped)).isValid)
        }
    }
}
