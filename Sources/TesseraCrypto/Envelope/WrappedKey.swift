/// A data key (DEK) encrypted under one master key version: the `encrypted_dek` column.
///
/// Layout (65 bytes, see `docs/envelope-format.md`):
///
/// | offset | size | field |
/// | --- | --- | --- |
/// | 0 | 1 | format version (`0x01`) |
/// | 1 | 4 | master key version, big-endian |
/// | 5 | 12 | nonce |
/// | 17 | 32 | encrypted DEK |
/// | 49 | 16 | GCM tag |
///
/// The wrap's associated data covers the format version, the master key version and the caller's context, so
/// none of them can be changed without the unwrap failing.
public struct WrappedKey: Sendable, Hashable {
    /// The serialized length of a format-1 wrapped key.
    public static let byteCount =
        1 + 4 + EnvelopeFormat.nonceByteCount + EnvelopeFormat.keyByteCount
        + EnvelopeFormat.tagByteCount

    /// The format version (always 1 today).
    public let formatVersion: UInt8
    /// The master key version that wrapped the DEK.
    public let masterKeyVersion: UInt32
    /// The wrap's random 96-bit nonce.
    public let nonce: [UInt8]
    /// The DEK, encrypted.
    public let encryptedKey: [UInt8]
    /// The GCM tag over the encrypted DEK and the associated data.
    public let tag: [UInt8]

    init(masterKeyVersion: UInt32, nonce: [UInt8], encryptedKey: [UInt8], tag: [UInt8]) {
        self.formatVersion = EnvelopeFormat.version
        self.masterKeyVersion = masterKeyVersion
        self.nonce = nonce
        self.encryptedKey = encryptedKey
        self.tag = tag
    }

    /// Parses a serialized wrapped key.
    ///
    /// - Parameter serialized: Exactly ``byteCount`` bytes in the documented layout.
    /// - Throws: `CryptoError(.malformedEnvelope)` for a wrong length or an unknown format version. Opening
    ///   through ``Keyring`` reports every failure as ``CryptoError/authenticationFailure`` instead.
    public init(serialized: some Collection<UInt8>) throws {
        var reader = EnvelopeReader(serialized)
        try self.init(reading: &reader)
        guard reader.remaining == 0 else { throw EnvelopeFormat.malformed("trailing bytes after wrapped key") }
    }

    init(reading reader: inout EnvelopeReader) throws {
        guard reader.remaining >= Self.byteCount else { throw EnvelopeFormat.malformed("wrapped key truncated") }
        let version = try reader.readByte()
        guard version == EnvelopeFormat.version else {
            throw EnvelopeFormat.malformed("unknown wrapped key format version")
        }
        self.formatVersion = version
        self.masterKeyVersion = try reader.readBigEndian(UInt32.self)
        self.nonce = try reader.read(EnvelopeFormat.nonceByteCount)
        self.encryptedKey = try reader.read(EnvelopeFormat.keyByteCount)
        self.tag = try reader.read(EnvelopeFormat.tagByteCount)
    }

    /// The serialized bytes, in the layout above.
    public var serialized: [UInt8] {
        var bytes: [UInt8] = [formatVersion]
        bytes.reserveCapacity(Self.byteCount)
        EnvelopeFormat.appendBigEndian(masterKeyVersion, to: &bytes)
        bytes += nonce
        bytes += encryptedKey
        bytes += tag
        return bytes
    }
}
