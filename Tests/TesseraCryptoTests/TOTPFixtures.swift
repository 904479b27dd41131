import Foundation
import Testing

/// Loads the TOTP area's JSON fixtures from the test bundle's `Fixtures` folder.
enum TOTPFixtures {
    /// Decodes `Fixtures/<name>.json`.
    static func load<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
        let url = try #require(
            Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"),
            "fixture \(name).json is missing from the test bundle"
        )
        return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
    }

    /// RFC 6238 Appendix B.
    struct RFC6238: Decodable {
        struct Vector: Decodable, Sendable, CustomTestStringConvertible {
            let time: Int64
            let timeStep: String
            let algorithm: String
            let totp: String
            var testDescription: String { "\(algorithm) at \(time)" }
        }
        let seeds: [String: String]
        let digits: Int
        let period: Int
        let vectors: [Vector]
    }

    /// RFC 4226 Appendix D.
    struct RFC4226: Decodable {
        struct Vector: Decodable, Sendable {
            let counter: UInt64
            let hotp: String
        }
        let secret: String
        let digits: Int
        let vectors: [Vector]
    }

    /// RFC 4648 §10.
    struct Base32Vectors: Decodable {
        struct Vector: Decodable, Sendable, CustomTestStringConvertible {
            let plain: String
            let padded: String
            let unpadded: String
            var testDescription: String { "\"\(plain)\"" }
        }
        let vectors: [Vector]
    }

    /// Fixture vectors for parameterised tests; an unreadable fixture yields no arguments, and a separate test
    /// (`fixturesLoad`) fails then, so the failure cannot pass silently.
    static var rfc6238Vectors: [RFC6238.Vector] { (try? load("totp-rfc6238", as: RFC6238.self).vectors) ?? [] }
    static var rfc4226Vectors: [RFC4226.Vector] { (try? load("totp-rfc4226", as: RFC4226.self).vectors) ?? [] }
    static var base32Vectors: [Base32Vectors.Vector] {
        (try? load("totp-base32-rfc4648", as: Base32Vectors.self).vectors) ?? []
    }
}
