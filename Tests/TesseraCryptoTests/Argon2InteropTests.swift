import Foundation
import Testing

@testable import TesseraCrypto

/// Round trips with argon2-cffi (reference libargon2) run at test time by `Tests/interop/argon2_interop.py`.
@Suite("Argon2 interop with argon2-cffi")
struct Argon2InteropTests {
    struct VerifyRequest: Codable {
        let phc: String
        let password: String
    }

    struct HashRequest: Codable {
        let password: String
        let type: String
        let time_cost: Int
        let memory_cost: Int
        let parallelism: Int
        let hash_len: Int
        let salt_len: Int
    }

    struct Request: Codable {
        var verify: [VerifyRequest] = []
        var hash: [HashRequest] = []
    }

    struct Response: Codable {
        let verified: [Bool]
        let hashes: [String]
    }

    @Test("hashes made by Tessera verify in argon2-cffi; wrong passwords do not")
    func tesseraToReference() async throws {
        let policies: [PasswordPolicy] = [
            try Argon2Fixtures.fastPolicy(),  // libsodium path
            try Argon2Fixtures.fastPolicy(algorithm: .argon2i, iterations: 3),  // libsodium argon2i
            try Argon2Fixtures.fastPolicy(memoryKiB: 256, iterations: 2, parallelism: 2, saltLength: 8, hashLength: 16),
            try Argon2Fixtures.fastPolicy(
                algorithm: .argon2i, memoryKiB: 128, parallelism: 4, saltLength: 32, hashLength: 64),
            .default,
        ]
        var request = Request()
        for policy in policies {
            let phc = try await Argon2Fixtures.withHasher(policy: policy) { try await $0.hash("Tr0ub4dor&3") }
            request.verify.append(VerifyRequest(phc: phc, password: "Tr0ub4dor&3"))
            request.verify.append(VerifyRequest(phc: phc, password: "Tr0ub4dor&4"))
        }
        let response = try await Interop.run("argon2_interop.py", input: request, as: Response.self)
        #expect(response.verified == Array(repeating: [true, false], count: policies.count).flatMap { $0 })
    }

    @Test("hashes made by argon2-cffi (p = 1, 2, 4; argon2i; odd lengths) verify in Tessera")
    func referenceToTessera() async throws {
        var request = Request()
        for (type, t, m, p, hashLength, saltLength) in [
            ("id", 2, 64, 1, 32, 16), ("id", 1, 256, 2, 32, 16), ("id", 3, 512, 4, 64, 32), ("i", 3, 64, 1, 32, 16),
            ("i", 1, 128, 4, 16, 8), ("id", 2, 64, 1, 20, 24),
        ] {
            request.hash.append(
                HashRequest(
                    password: "interop \(type) \(p)", type: type, time_cost: t, memory_cost: m, parallelism: p,
                    hash_len: hashLength, salt_len: saltLength
                )
            )
        }
        let response = try await Interop.run("argon2_interop.py", input: request, as: Response.self)
        try #require(response.hashes.count == request.hash.count)
        try await Argon2Fixtures.withHasher(policy: .default) { hasher async throws in
            for (phc, made) in zip(response.hashes, request.hash) {
                #expect(try await hasher.verify(made.password, against: phc).isValid, "\(phc)")
                #expect(!(try await hasher.verify(made.password + "!", against: phc)).isValid, "\(phc)")
            }
        }
    }

    @Test("NFC and NFD spellings of a password verify against each other, here and in argon2-cffi")
    func unicodeNormalisation() async throws {
        let nfc = "caf\u{E9} \u{C5}ngstr\u{F6}m"
        let nfd = "cafe\u{301} A\u{30A}ngstro\u{308}m"
        #expect(Array(nfc.utf8) != Array(nfd.utf8))
        let reference = try await Interop.run(
            "argon2_interop.py",
            input: Request(hash: [
                HashRequest(
                    password: nfc, type: "id", time_cost: 1, memory_cost: 64, parallelism: 1, hash_len: 32, salt_len: 16
                )
            ]),
            as: Response.self
        )
        let referencePHC = try #require(reference.hashes.first)
        let tesseraPHC = try await Argon2Fixtures.withHasher(policy: try Argon2Fixtures.fastPolicy()) {
            hasher async throws in
            #expect(try await hasher.verify(nfd, against: referencePHC).isValid)
            #expect(try await hasher.verify(nfc, against: referencePHC).isValid)
            let fromNFD = try await hasher.hash(nfd)
            #expect(try await hasher.verify(nfc, against: fromNFD).isValid)
            return fromNFD
        }
        // Tessera hashed the NFKC (here = NFC) bytes, so the reference accepts the NFC spelling.
        let check = try await Interop.run(
            "argon2_interop.py", input: Request(verify: [VerifyRequest(phc: tesseraPHC, password: nfc)]),
            as: Response.self
        )
        #expect(check.verified == [true])
    }
}
