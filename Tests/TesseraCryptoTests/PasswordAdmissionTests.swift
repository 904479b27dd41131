import Foundation
import Testing

@testable import TesseraCrypto

/// The review's costly `Passwords/Verify` (each call at m ≤ 256 MiB, t ≤ 10, p ≤ 16 took RSS from 54 to 578 MB
/// with 41 threads): a cost bound per verify, and admission that accounts memory rather than calls.
@Suite("Password hashing admission by cost and memory")
struct PasswordAdmissionTests {
    @Test(
        "a stored hash asking for more work than the cost bound is refused before any work",
        arguments: [
            "$argon2id$v=19$m=262144,t=10,p=16$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
            "$argon2id$v=19$m=262144,t=5,p=1$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
            "$argon2i$v=19$m=131072,t=9,p=4$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
        ])
    func costlyHashRefused(phc: String) async throws {
        try await PasswordHasher.withHasher(configuration: .init(workers: 1)) { hasher in
            await #expect(throws: CryptoError(.parametersOutOfBounds, "")) {
                try await hasher.verify("password", against: phc)
            }
            #expect(hasher.admittedMemoryKiB == 0)
        }
    }

    @Test("an imported hash at RFC 9106's second recommendation (64 MiB, t=3, p=4) still verifies")
    func recommendedImportVerifies() async throws {
        let salt = Array("somesaltsomesalt".utf8)
        let tag = try Argon2.computeRaw(
            engine: .libargon2, memoryKiB: 65_536, iterations: 3, parallelism: 4, password: Array("pw".utf8),
            salt: salt, hashLength: 32)
        let phc = try PHCString(
            algorithm: .argon2id, version: .v13, memoryKiB: 65_536, iterations: 3, parallelism: 4, keyID: nil,
            salt: salt, hash: tag
        ).encoded
        let hasher = try PasswordHasher(configuration: .init(workers: 1))
        let result = try await hasher.verify("pw", against: phc)
        try await hasher.shutdown()
        #expect(result.isValid)
    }

    @Test("the gate admits jobs while their memory fits, refuses the next, and admits a large job alone")
    func gateAccountsMemory() throws {
        let gate = AdmissionGate(limit: 10, memoryLimitKiB: 100)
        try gate.enter(memoryKiB: 40)
        try gate.enter(memoryKiB: 40)
        #expect(throws: CryptoError(.overloaded, "")) { try gate.enter(memoryKiB: 40) }
        try gate.enter(memoryKiB: 20)
        #expect(gate.admittedMemoryKiB == 100)
        #expect(gate.rejected == 1)
        gate.leave(memoryKiB: 40)
        gate.leave(memoryKiB: 40)
        gate.leave(memoryKiB: 20)
        // The accounting is back to zero, and a job larger than the whole limit gets in alone.
        #expect(gate.admittedMemoryKiB == 0)
        #expect(gate.admitted == 0)
        try gate.enter(memoryKiB: 500)
        #expect(throws: CryptoError(.overloaded, "")) { try gate.enter(memoryKiB: 1) }
        gate.leave(memoryKiB: 500)
    }

    @Test("the default memory limit holds every slot at the policy's memory and one hash at the bounds' largest")
    func defaultMemoryLimit() throws {
        let twoCores = PasswordHasher.Configuration(workers: 2)
        #expect(twoCores.effectiveMaxAdmittedMemoryKiB == 262_144)
        let many = PasswordHasher.Configuration(workers: 16)
        #expect(many.effectiveMaxAdmittedMemoryKiB == 80 * 19_456)
        #expect(
            PasswordHasher.Configuration(workers: 2, maxAdmittedMemoryKiB: 1024).effectiveMaxAdmittedMemoryKiB == 1024)
    }
}
