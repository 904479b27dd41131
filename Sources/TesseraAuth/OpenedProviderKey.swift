import Foundation
import TesseraCrypto

/// A provider API key opened for the caller that proxies provider calls: the plaintext in memory that zeroes
/// itself, and the row's settings. Its description is redacted.
public struct OpenedProviderKey: Sendable, CustomStringConvertible {
    /// The API key.
    public let apiKey: SecretBytes
    /// The provider type.
    public let providerType: String
    /// The model name, if one is configured.
    public let modelName: String?
    /// The master key version its data key was wrapped under when it was read.
    public let masterKeyVersion: Int

    /// The API key as text (it is printable ASCII, checked when it was stored). Never log it.
    public func revealAPIKey() -> String {
        apiKey.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// Redacted.
    public var description: String { "OpenedProviderKey(\(providerType), redacted)" }
}
