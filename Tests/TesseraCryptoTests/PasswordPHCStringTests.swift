import Foundation
import Testing

@testable import TesseraCrypto

@Suite("Password PHC string codec")
struct PasswordPHCStringTests {
    static let valid = "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY"

    @Test("a canonical string parses into its parts and encodes back identically")
    func roundTrip() throws {
        let phc = try PHCString(parsing: Self.valid)
        #expect(phc.algorithm == .argon2id)
        #expect(phc.version == .v13)
        #expect(phc.memoryKiB == 64)
        #expect(phc.iterations == 1)
        #expect(phc.parallelism == 1)
        #expect(phc.keyID == nil)
        #expect(phc.salt == Array("somesaltsomesalt".utf8))
        #expect(phc.hash == Array("abcdefghijklmnopqrstuvwxyz123456".utf8))
        #expect(phc.encoded == Self.valid)
    }

    @Test("keyid is carried after p= and round-trips")
    func keyID() throws {
        let text = Self.valid.replacingOccurrences(of: "p=1$", with: "p=1,keyid=pep-2026.1$")
        let phc = try PHCString(parsing: text)
        #expect(phc.keyID == "pep-2026.1")
        #expect(phc.encoded == text)
    }

    @Test("description shows parameters but neither salt nor hash")
    func redactedDescription() throws {
        let phc = try PHCString(parsing: Self.valid)
        #expect(!phc.description.contains("c29tZXNhbHRzb21lc2FsdA"))
        #expect(!phc.description.contains("YWJjZGVm"))
        #expect(phc.description.contains("m=64"))
    }

    @Test("base64 matches Foundation's standard alphabet without padding, for every length", arguments: 0..<70)
    func base64(length: Int) throws {
        let bytes = SecureRandom.bytes(count: length)
        let encoded = PHCBase64.encode(bytes)
        let foundation = Data(bytes).base64EncodedString().replacingOccurrences(of: "=", with: "")
        #expect(encoded == foundation)
        #expect(PHCBase64.decode(Array(encoded.utf8)) == bytes)
    }

    @Test("base64 decoding is strict: padding, URL-safe alphabet, 4k+1 lengths and stray trailing bits fail")
    func strictBase64() {
        for bad in ["YQ==", "YQ=", "Y", "YR", "YWJ", "YWK", "a-b_", "YW Jj", "YWJj\n", "Ã©"] {
            #expect(PHCBase64.decode(Array(bad.utf8)) == nil, "\(bad)")
        }
        #expect(PHCBase64.decode(Array("YWI".utf8)) == Array("ab".utf8))
        #expect(PHCBase64.decode(Array("YQ".utf8)) == Array("a".utf8))
        #expect(PHCBase64.decode(Array("".utf8)) == [])
    }

    static let malformedCases: [String] = [
        "",
        "$",
        "$$",
        "argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
        "$Argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
        "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA",
        "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$",
        "$argon2id$v=19$m=64,t=1,p=1$$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
        "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY$",
        "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA==$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
        "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdB$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
        "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRz*21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
        "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTZ",
        "$argon2id$v=19$t=1,m=64,p=1$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
        "$argon2id$v=19$m=64,t=1$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
        "$argon2id$v=19$m=64,t=1,p=1,p=1$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
        "$argon2id$v=19$m=64,t=1,p=1,data=abc$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
        "$argon2id$v=19$m=64,t=1,p=1,keyid=$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
        "$argon2id$v=19$m=64,t=1,p=1,keyid=a_b$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
        "$argon2id$v=19$m=064,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
        "$argon2id$v=019$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
        "$argon2id$v=19$m=+64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
        "$argon2id$v=19$m=-1,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
        "$argon2id$v=19$m=,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
        "$argon2id$v=19$m=4294967296,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
        "$argon2id$v=19$m=99999999999999999999,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$"
            + "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
        "$argon2id$v=19$m=64,t=1,p=1 $c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
        " $argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
        "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY\n",
        "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY\u{0}",
        "$argon2id$v=19$m=６４,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
        "$argon2id$V=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
        "$argon2id$v=19$m=64,t=1,p=1$v=19$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
        "$argon2id$v=19$m=64;t=1;p=1$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
        "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$" + String(repeating: "A", count: 600),
        String(repeating: "$", count: 10_000),
        String(repeating: "x", count: 1_000_000),
        "$" + String(repeating: "é", count: 300),
    ]

    @Test("malformed strings are refused as malformedHash", arguments: malformedCases)
    func malformed(text: String) {
        #expect(throws: CryptoError(.malformedHash, "")) { try PHCString(parsing: text) }
    }

    static let unsupportedCases: [String] = [
        "$argon2d$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
        "$argon2ds$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
        "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
        "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E",
        "$pbkdf2-sha256$29000$N2YMIWQsBWBMae09x1jrPQ$PemzY0A7vQGZQUjsa3J/6pJMAsPcUO5JWIbtVWuQAxM",
        "$argon2id$v=18$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
        "$argon2id$v=20$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
    ]

    @Test("other algorithms and Argon2 versions are refused as unsupportedAlgorithm", arguments: unsupportedCases)
    func unsupported(text: String) {
        #expect(throws: CryptoError(.unsupportedAlgorithm, "")) { try PHCString(parsing: text) }
    }

    static let outOfBoundsCases: [String] = [
        "$argon2id$v=19$m=4294967295,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
        "$argon2id$v=19$m=262145,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
        "$argon2id$v=19$m=64,t=1000000,p=1$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
        "$argon2id$v=19$m=64,t=4294967295,p=1$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
        "$argon2id$v=19$m=64,t=0,p=1$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
        "$argon2id$v=19$m=64,t=1,p=0$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
        "$argon2id$v=19$m=64,t=1,p=17$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
        "$argon2id$v=19$m=64,t=1,p=16777215$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
        "$argon2id$v=19$m=31,t=1,p=4$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
        "$argon2id$v=19$m=0,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
        "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",  // 7-byte salt
        "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5v",  // 15-byte hash
        "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$" + PHCBase64.encode([UInt8](repeating: 7, count: 65)),
    ]

    @Test("costs and lengths outside the bounds are refused at once, before any work", arguments: outOfBoundsCases)
    func outOfBounds(text: String) async throws {
        #expect(throws: CryptoError(.parametersOutOfBounds, "")) { try PHCString(parsing: text) }
        try await Argon2Fixtures.withHasher(policy: .default) { hasher async throws in
            let clock = ContinuousClock()
            let start = clock.now
            await #expect(throws: CryptoError(.parametersOutOfBounds, "")) {
                try await hasher.verify("password", against: text)
            }
            // t=1 000 000 or m=4 GiB would run for minutes; a refusal within seconds (generous for a loaded
            // machine) shows no Argon2 work was started.
            #expect(clock.now - start < .seconds(5))
        }
    }

    @Test("custom bounds apply to parsing")
    func customBounds() throws {
        let tight = try PasswordPolicy.Bounds(maxMemoryKiB: 32, maxIterations: 1, maxParallelism: 1)
        #expect(throws: CryptoError(.parametersOutOfBounds, "")) { try PHCString(parsing: Self.valid, bounds: tight) }
        let wide = try PasswordPolicy.Bounds(saltLength: 16...16, hashLength: 32...32)
        #expect(try PHCString(parsing: Self.valid, bounds: wide).memoryKiB == 64)
    }

    @Test("randomised garbage and mutations of valid strings never crash, hang or escape the bounds")
    func fuzz() throws {
        var random = SplitMix64(seed: 0x7E55_E4A0)
        let seeds = [
            Self.valid,
            Self.valid.replacingOccurrences(of: "p=1$", with: "p=1,keyid=pep1$"),
            "$argon2i$m=64,t=3,p=2$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
        ]
        let alphabet = Array("$=,+/0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_. \u{0}\u{FF}".utf8)
        let bounds = PasswordPolicy.Bounds.default
        var outcomes: [String: Int] = [:]
        let clock = ContinuousClock()
        let start = clock.now
        for round in 0..<20_000 {
            var bytes: [UInt8]
            if round % 5 == 0 {
                let length = Int(random.next() % 700)
                bytes = (0..<length).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }
            } else {
                bytes = Array(seeds[round % seeds.count].utf8)
                for _ in 0...(random.next() % 4) {
                    let position = bytes.isEmpty ? 0 : Int(random.next() % UInt64(bytes.count))
                    let byte = alphabet[Int(random.next() % UInt64(alphabet.count))]
                    switch random.next() % 4 {
                    case 0 where !bytes.isEmpty: bytes[position] = byte
                    case 1: bytes.insert(byte, at: position)
                    case 2 where !bytes.isEmpty: bytes.remove(at: position)
                    default:
                        let digits = Array(String(random.next() % 5_000_000_000).utf8)
                        bytes.insert(contentsOf: digits, at: position)
                    }
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            do {
                let phc = try PHCString(parsing: text, bounds: bounds)
                #expect(phc.memoryKiB <= bounds.maxMemoryKiB && phc.iterations <= bounds.maxIterations)
                #expect(phc.parallelism <= bounds.maxParallelism && phc.memoryKiB >= 8 * phc.parallelism)
                #expect(bounds.saltLength.contains(phc.salt.count) && bounds.hashLength.contains(phc.hash.count))
                #expect(try PHCString(parsing: phc.encoded, bounds: bounds).encoded == phc.encoded)
                outcomes["parsed", default: 0] += 1
            } catch let error as CryptoError {
                #expect([.malformedHash, .unsupportedAlgorithm, .parametersOutOfBounds].contains(error.code))
                outcomes[error.code.description, default: 0] += 1
            }
        }
        #expect(clock.now - start < .seconds(60))
        // The mutations reach every outcome, so the test exercises more than the first check.
        #expect(outcomes.count == 4, "\(outcomes)")
    }

    @Test("randomised strings through the whole verify path, with cheap bounds, never crash")
    func fuzzVerify() async throws {
        let bounds = try PasswordPolicy.Bounds(maxMemoryKiB: 128, maxIterations: 2, maxParallelism: 4)
        let policy = try PasswordPolicy(memoryKiB: 64, iterations: 1, bounds: bounds)
        var random = SplitMix64(seed: 42)
        let base = Array(Self.valid.utf8)
        try await Argon2Fixtures.withHasher(policy: policy, maxQueued: 64) { hasher async throws in
            var verified = 0
            for _ in 0..<2_000 {
                var bytes = base
                let position = Int(random.next() % UInt64(bytes.count))
                bytes[position] = UInt8(truncatingIfNeeded: random.next())
                do {
                    let result = try await hasher.verify("password", against: String(decoding: bytes, as: UTF8.self))
                    #expect(!result.isValid)
                    verified += 1
                } catch let error as CryptoError {
                    #expect(error.code != .internalFailure && error.code != .overloaded, "\(error)")
                }
            }
            #expect(verified > 0)
        }
    }
}

/// A small deterministic PRNG so the fuzz tests replay identically.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
