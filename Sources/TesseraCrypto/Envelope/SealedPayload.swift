/// A secret encrypted under its own data key (DEK): the `encrypted_api_key` column.
///
/// Layout (29 + plaintext length bytes, see `docs/envelope-format.md`):
///
/// | offset | size | field |
/// | --- | --- | --- |
/// | 0 | 1 | format version (`0x01`) |
/// | 1 | 12 | nonce |
/// | 13 | n | ciphertext |
/// | 13 + n | 16 | GCM tag |
///
/// The payload's associated data covers the format version and the caller's context but not the master key
/// version, so re-wrapping the DEK under a new master key never touches these bytes.
public struct SealedPayload: Sendable, Hashable {
    /// The serialized length of a payload that holds an empty plaintext.
    public static let overheadByteCount = 1 + EnvelopeFormat.nonceByteCount + EnvelopeFormat.tagByteCount

    /// The format version (always 1 today).
    public let formatVersion: UInt8
    /// The payload's random 96-bit nonce.
    public let nonce: [UInt8]
    /// The encrypted secret (as long as the plaintext).
    public let ciphertext: [UInt8]
    /// The GCM tag over the ciphertext and the associated data.
    public let tag: [UInt8]

    init(nonce: [UInt8], ciphertext: [UInt8], tag: [UInt8]) {
        self.formatVersion = EnvelopeFormat.version
        self.nonce = nonce
        self.ciphertext = ciphertext
        self.tag = tag
    }

    /// Parses a serialized payload.
    ///
    /// - Parameter serialized: The bytes in the documented layout.
    /// - Throws: `CryptoError(.malformedEnvelope)` when too short, too long or of an unknown format version.
    ///   Opening through ``Keyring`` reports every failure as ``CryptoError/authenticationFailure`` instead.
    public init(serialized: some Collection<UInt8>) throws {
        let count = serialized.count
        guard count >= Self.overheadByteCount else { throw EnvelopeFormat.malformed("payload truncated") }
        guard count <= Self.overheadByteCount + EnvelopeFormat.maxPlaintextByteCount else {
            throw EnvelopeFormat.malformed("payload too long")
        }
        var reader = EnvelopeReader(serialized)
        let version = try reader.readByte()
        guard version == EnvelopeFormat.version else {
            throw EnvelopeFormat.malformed("unknown payload format version")
        }
        self.formatVersion = version
        self.nonce = try reader.read(EnvelopeFormat.nonceByteCount)
        self.ciphertext = try reader.read(reader.remaining - EnvelopeFormat.tagByteCount)
        self.tag = try reader.read(EnvelopeFormat.tagByteCount)
    }

    /// The serialized bytes, in the layout above.
    public var serialized: [UInt8] {
        var bytes: [UInt8] = [formatVersion]
        bytes.reserveCapacity(Self.overheadByteCount + ciphertext.count)
        bytes += nonce
        bytes += ciphertext
        bytes += tag
        return bytes
    }
}
