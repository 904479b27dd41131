internal import Crypto
import Foundation
import TesseraCrypto

/// The Ed25519 key that signs the audit tree's checkpoints, derived from the root key with HKDF (purpose
/// ``purpose``) so it never needs storing; an auditor verifies checkpoints with ``publicKey`` alone.
public struct AuditCheckpointKey: Sendable, CustomStringConvertible {
    /// The HKDF purpose string (its 32 output bytes are the Ed25519 seed).
    public static let purpose = "tessera.audit.checkpoint.v1"

    private let seed: SecretBytes
    /// The 32-byte Ed25519 public key.
    public let publicKey: AuditCheckpointPublicKey

    /// Derives the checkpoint key from the root key.
    /// - Parameter rootKey: The root key.
    public init(rootKey: RootKey) {
        self.init(seed: rootKey.derivedKey(purpose: Self.purpose))
    }

    /// Uses a given 32-byte seed (tests).
    /// - Parameter seed: The Ed25519 seed.
    public init(seed: SecretBytes) {
        self.seed = seed
        let raw = seed.withUnsafeBytes { bytes -> [UInt8] in
            // A 32-byte seed is always a valid Ed25519 private key, so the fallback is never taken.
            (try? Curve25519.Signing.PrivateKey(rawRepresentation: bytes))
                .map { Array($0.publicKey.rawRepresentation) } ?? []
        }
        self.publicKey = AuditCheckpointPublicKey(rawValue: raw)
    }

    /// Signs bytes.
    /// - Parameter message: The checkpoint's signed form.
    /// - Returns: The 64-byte signature.
    /// - Throws: `AuditError.invalidConfiguration` when the seed is not 32 bytes.
    func sign(_ message: [UInt8]) throws -> [UInt8] {
        try seed.withUnsafeBytes { bytes in
            do {
                let key = try Curve25519.Signing.PrivateKey(rawRepresentation: bytes)
                return Array(try key.signature(for: message))
            } catch {
                throw AuditError(.invalidConfiguration, "the checkpoint key is not a valid Ed25519 seed")
            }
        }
    }

    /// Redacted.
    public var description: String { "AuditCheckpointKey(redacted)" }
}

/// An Ed25519 public key that verifies checkpoints; printable and parseable as base64.
public struct AuditCheckpointPublicKey: Sendable, Hashable, CustomStringConvertible {
    /// The 32 key bytes.
    public let rawValue: [UInt8]

    /// Wraps key bytes.
    /// - Parameter rawValue: The 32-byte key.
    public init(rawValue: [UInt8]) {
        self.rawValue = rawValue
    }

    /// Parses the base64 form.
    /// - Parameter base64: The key as ``description`` prints it.
    public init?(base64: String) {
        guard let data = Data(base64Encoded: base64), data.count == 32 else { return nil }
        self.rawValue = Array(data)
    }

    /// Whether `signature` is this key's Ed25519 signature of `message`.
    /// - Parameters:
    ///   - signature: The signature.
    ///   - message: The signed bytes.
    /// - Returns: True when valid.
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: rawValue) else { return false }
        return key.isValidSignature(signature, for: message)
    }

    /// The key in base64.
    public var description: String { Data(rawValue).base64EncodedString() }
}
