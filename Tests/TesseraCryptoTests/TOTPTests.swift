import Foundation
import Testing

@testable import TesseraCrypto

@Suite("TOTP code generation (RFC 6238, RFC 4226)")
struct TOTPTests {
    static func seed(for algorithm: TOTPAlgorithm) throws -> TOTPSecret {
        let fixture = try TOTPFixtures.load("totp-rfc6238", as: TOTPFixtures.RFC6238.self)
        let seed = try #require(fixture.seeds[algorithm.uriName])
        return try TOTPSecret(bytes: SecretBytes(copying: Array(seed.utf8)))
    }

    @Test("the RFC fixtures load completely")
    func fixturesLoad() throws {
        let totp = try TOTPFixtures.load("totp-rfc6238", as: TOTPFixtures.RFC6238.self)
        #expect(totp.vectors.count == 18)
        #expect(totp.seeds["SHA1"]?.utf8.count == 20)
        #expect(totp.seeds["SHA256"]?.utf8.count == 32)
        #expect(totp.seeds["SHA512"]?.utf8.count == 64)
        let hotp = try TOTPFixtures.load("totp-rfc4226", as: TOTPFixtures.RFC4226.self)
        #expect(hotp.vectors.count == 10)
    }

    @Test("RFC 6238 Appendix B: every hash function at every listed time", arguments: TOTPFixtures.rfc6238Vectors)
    func rfc6238(vector: TOTPFixtures.RFC6238.Vector) throws {
        let algorithm = try #require(TOTPAlgorithm(uriName: vector.algorithm))
        let parameters = try TOTPParameters(algorithm: algorithm, digits: 8, period: .seconds(30))
        let secret = try Self.seed(for: algorithm)
        let date = Date(timeIntervalSince1970: TimeInterval(vector.time))

        let step = try TOTP.timeStep(at: date, parameters: parameters)
        #expect(step == UInt64(vector.timeStep, radix: 16))
        #expect(try TOTP.code(for: secret, at: date, parameters: parameters) == vector.totp)
        #expect(TOTP.code(for: secret, timeStep: step, parameters: parameters) == vector.totp)

        let match = try #require(try TOTP.verify(code: vector.totp, secret: secret, at: date, parameters: parameters))
        #expect(match.timeStep == step)
        #expect(match.offset == 0)
    }

    @Test("RFC 4226 Appendix D: HOTP values for counters 0 to 9", arguments: TOTPFixtures.rfc4226Vectors)
    func rfc4226(vector: TOTPFixtures.RFC4226.Vector) throws {
        let secret = try TOTPSecret(bytes: SecretBytes(copying: Array("12345678901234567890".utf8)))
        #expect(TOTP.code(for: secret, timeStep: vector.counter, parameters: .default) == vector.hotp)
    }

    @Test("7-digit codes are the last seven digits of the 8-digit ones")
    func sevenDigits() throws {
        let secret = try Self.seed(for: .sha1)
        let seven = try TOTPParameters(algorithm: .sha1, digits: 7, periodSeconds: 30)
        // RFC 6238: 94287082 at T = 1 (8 digits); truncation modulo 10^7 keeps the last seven.
        #expect(TOTP.code(for: secret, timeStep: 1, parameters: seven) == "4287082")
        // RFC 6238 at 1111111109: 07081804, so 6 digits keep the leading zero of "081804".
        #expect(TOTP.code(for: secret, timeStep: 0x2352_3EC, parameters: .default) == "081804")
    }

    @Test("the time step uses T0 = 0 and the configured period")
    func timeSteps() throws {
        let sixty = try TOTPParameters(algorithm: .sha1, digits: 6, period: .seconds(60))
        #expect(try TOTP.timeStep(at: Date(timeIntervalSince1970: 0)) == 0)
        #expect(try TOTP.timeStep(at: Date(timeIntervalSince1970: 29.999)) == 0)
        #expect(try TOTP.timeStep(at: Date(timeIntervalSince1970: 30)) == 1)
        #expect(try TOTP.timeStep(at: Date(timeIntervalSince1970: 119.5), parameters: sixty) == 1)
        #expect(try TOTP.timeStep(at: Date(timeIntervalSince1970: 120), parameters: sixty) == 2)
    }

    @Test(
        "times before the epoch, beyond 2^64 s or not finite are refused, not crashed on",
        arguments: [-1, -0.5, -1e18, 1.8446744073709552e19, 1e30, .infinity, -.infinity, .nan] as [Double]
    )
    func outOfRangeTimes(seconds: Double) throws {
        let secret = try TOTPSecret.generate()
        let date = Date(timeIntervalSince1970: seconds)
        #expect(throws: CryptoError(.invalidParameter, "")) { try TOTP.timeStep(at: date) }
        #expect(throws: CryptoError(.invalidParameter, "")) { try TOTP.code(for: secret, at: date) }
        #expect(throws: CryptoError(.invalidParameter, "")) {
            try TOTP.verify(code: "123456", secret: secret, at: date)
        }
    }

    @Test("far-future dates still give codes")
    func farFuture() throws {
        let secret = try TOTPSecret.generate()
        let code = try TOTP.code(for: secret, at: .distantFuture)
        #expect(TOTP.isWellFormed(code))
        let huge = Date(timeIntervalSince1970: 1.8e19)
        let oneSecond = try TOTPParameters(algorithm: .sha1, digits: 6, periodSeconds: 1)
        let hugeCode = try TOTP.code(for: secret, at: huge, parameters: oneSecond)
        #expect(try TOTP.verify(code: hugeCode, secret: secret, at: huge, parameters: oneSecond, window: 10) != nil)
    }

    @Test("codes always have exactly the configured number of ASCII digits")
    func codeShape() throws {
        for digits in 6...8 {
            let parameters = try TOTPParameters(algorithm: .sha256, digits: digits, periodSeconds: 30)
            let secret = TOTPSecret.generate(for: .sha256)
            for step in UInt64(0)..<200 {
                let code = TOTP.code(for: secret, timeStep: step, parameters: parameters)
                #expect(code.utf8.count == digits)
                #expect(TOTP.isWellFormed(code, parameters: parameters))
            }
        }
    }
}
