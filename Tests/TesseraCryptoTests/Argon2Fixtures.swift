import Foundation
import Testing

@testable import TesseraCrypto

/// Loads the Argon2 JSON fixtures from the test bundle and holds shared test settings.
enum Argon2Fixtures {
    /// RFC 9106 §5.2/§5.3 known answers.
    struct RFCFile: Decodable {
        let vectors: [RFCVector]
    }

    /// One RFC 9106 test vector; byte strings are hex.
    struct RFCVector: Decodable, Sendable, CustomTestStringConvertible {
        let section: String
        let type: String
        let version: UInt32
        let memoryKiB: Int
        let iterations: Int
        let parallelism: Int
        let tagLength: Int
        let password: String
        let salt: String
        let secret: String
        let associatedData: String
        let tag: String

        var testDescription: String { "RFC 9106 §\(section) \(type)" }
    }

    /// PHC strings made by argon2-cffi (reference libargon2).
    struct ReferenceFile: Decodable {
        let hashes: [ReferenceHash]
    }

    /// One reference hash and the password it was made from.
    struct ReferenceHash: Decodable, Sendable, CustomTestStringConvertible {
        let password: String
        let phc: String
        let note: String

        var testDescription: String { note }
    }

    static func load<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
    }

    static var rfcVectors: [RFCVector] {
        get throws { try load("argon2-rfc9106", as: RFCFile.self).vectors }
    }

    static var referenceHashes: [ReferenceHash] {
        get throws { try load("argon2-reference", as: ReferenceFile.self).hashes }
    }

    /// Decodes lowercase or uppercase hex; the fixtures are trusted test data.
    static func hex(_ text: String) throws -> [UInt8] {
        let digits = Array(text.utf8)
        try #require(digits.count % 2 == 0)
        return try stride(from: 0, to: digits.count, by: 2).map { index in
            try #require(UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16))
        }
    }

    /// A cheap policy for most tests: Argon2id, m = 64 KiB, t = 1, p = 1, 16-byte salt, 32-byte hash.
    static func fastPolicy(
        algorithm: Argon2.Variant = .argon2id,
        memoryKiB: Int = 64,
        iterations: Int = 1,
        parallelism: Int = 1,
        saltLength: Int = 16,
        hashLength: Int = 32,
        maxPasswordBytes: Int = 1024
    ) throws -> PasswordPolicy {
        try PasswordPolicy(
            algorithm: algorithm, memoryKiB: memoryKiB, iterations: iterations, parallelism: parallelism,
            saltLength: saltLength, hashLength: hashLength, maxPasswordBytes: maxPasswordBytes
        )
    }

    /// A deliberately slow policy (m = 256 MiB, t = 10: a second or more per hash) for admission and shutdown
    /// tests; its work is past the default cost bound, so its bounds allow it.
    static func slowPolicy() throws -> PasswordPolicy {
        try PasswordPolicy(
            memoryKiB: 262_144, iterations: 10, bounds: try PasswordPolicy.Bounds(maxCost: 262_144 * 10)
        )
    }

    /// Runs `body` with a hasher that is always shut down afterwards.
    @discardableResult
    static func withHasher<R>(
        policy: PasswordPolicy,
        pepper: Pepper? = nil,
        retiredPeppers: [Pepper] = [],
        workers: Int? = 2,
        maxQueued: Int? = nil,
        _ body: (PasswordHasher) async throws -> R
    ) async throws -> R {
        try await PasswordHasher.withHasher(
            configuration: .init(
                policy: policy, pepper: pepper, retiredPeppers: retiredPeppers, workers: workers,
                maxQueued: maxQueued
            ),
            body
        )
    }
}
