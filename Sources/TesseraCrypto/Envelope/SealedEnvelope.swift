/// A wrapped data key and the payload it encrypts, in one self-contained byte string for the stateless
/// `Seal`/`Open` calls.
///
/// Layout (see `docs/envelope-format.md`):
///
/// | offset | size | field |
/// | --- | --- | --- |
/// | 0 | 1 | format version (`0x01`) |
/// | 1 | 4 | master key version, big-endian (a copy of the wrapped key's, readable without parsing it) |
/// | 5 | 2 | wrapped key length L, big-endian (65 in format 1) |
/// | 7 | L | the ``WrappedKey`` |
/// | 7 + L | rest | the ``SealedPayload`` |
///
/// Parsing checks that the outer format and master key versions equal the wrapped key's.
public struct SealedEnvelope: Sendable, Hashable {
    /// The wrapped DEK (store it as `encrypted_dek`).
    public let wrappedKey: WrappedKey
    /// The encrypted secret (store it as `encrypted_api_key`).
    public let payload: SealedPayload

    /// The format version (always 1 today).
    public var formatVersion: UInt8 { wrappedKey.formatVersion }

    /// The master key version that wrapped the DEK.
    public var masterKeyVersion: UInt32 { wrappedKey.masterKeyVersion }

    /// Joins the two stored parts into one envelope.
    ///
    /// - Parameters:
    ///   - wrappedKey: The wrapped DEK.
    ///   - payload: The payload sealed under that DEK.
    public init(wrappedKey: WrappedKey, payload: SealedPayload) {
        self.wrappedKey = wrappedKey
        self.payload = payload
    }

    /// Parses a serialized envelope.
    ///
    /// - Parameter serialized: The bytes in the documented layout.
    /// - Throws: `CryptoError(.malformedEnvelope)` when the bytes are not in the format. Opening through
    ///   ``Keyring`` reports every failure as ``CryptoError/authenticationFailure`` instead.
    public init(serialized: some Collection<UInt8>) throws {
        var reader = EnvelopeReader(serialized)
        let version = try reader.readByte()
        guard version == EnvelopeFormat.version else { throw EnvelopeFormat.malformed("unknown envelope version") }
        let masterKeyVersion = try reader.readBigEndian(UInt32.self)
        let wrappedLength = try reader.readBigEndian(UInt16.self)
        guard Int(wrappedLength) == WrappedKey.byteCount else {
            throw EnvelopeFormat.malformed("unexpected wrapped key length")
        }
        let wrappedKey = try WrappedKey(serialized: reader.read(Int(wrappedLength)))
        guard wrappedKey.masterKeyVersion == masterKeyVersion, wrappedKey.formatVersion == version else {
            throw EnvelopeFormat.malformed("envelope header disagrees with its wrapped key")
        }
        self.wrappedKey = wrappedKey
        self.payload = try SealedPayload(serialized: reader.readRest())
    }

    /// The serialized bytes, in the layout above.
    public var serialized: [UInt8] {
        let wrapped = wrappedKey.serialized
        var bytes: [UInt8] = [formatVersion]
        EnvelopeFormat.appendBigEndian(masterKeyVersion, to: &bytes)
        EnvelopeFormat.appendBigEndian(UInt16(wrapped.count), to: &bytes)
        bytes += wrapped
        bytes += payload.serialized
        return bytes
    }
}
