import Foundation
import Testing

@testable import TesseraCrypto

/// Hex and fixture helpers for the envelope and token suites (names prefixed to stay clear of other suites').
enum EnvelopeTestSupport {
    /// Decodes lowercase or uppercase hex; records an issue and returns `[]` on bad input.
    static func bytes(hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else {
            Issue.record("odd-length hex")
            return []
        }
        var out: [UInt8] = []
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index...index + 1], as: UTF8.self), radix: 16) else {
                Issue.record("bad hex digit")
                return []
            }
            out.append(byte)
        }
        return out
    }

    /// Encodes bytes as lowercase hex.
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// Decodes a JSON fixture from `Fixtures/`.
    static func fixture<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
    }

    /// A keyring whose single active version has the given material.
    static func keyring(version: UInt32 = 1, material: [UInt8]) throws -> Keyring {
        try Keyring(keys: [MasterKey(version: version, material: SecretBytes(copying: material), state: .active)])
    }

    /// The standard test context.
    static func context() throws -> EncryptionContext {
        try EncryptionContext(["user_id": "42", "provider": "openai"])
    }

    /// The bytes held by a secret.
    static func reveal(_ secret: SecretBytes) -> [UInt8] {
        secret.withUnsafeBytes { Array($0) }
    }
}
