/// Constants and byte-level helpers of the envelope format described in `docs/envelope-format.md`.
///
/// Everything here is internal: callers go through ``Keyring``, ``EnvelopeCipher`` and the part types.
enum EnvelopeFormat {
    /// The only format version this code writes and reads.
    static let version: UInt8 = 1
    /// AES-256 key length (the DEK and every master key).
    static let keyByteCount = 32
    /// AES-GCM nonce length: 96 bits, drawn at random for every encryption.
    static let nonceByteCount = 12
    /// AES-GCM tag length: the full 128 bits.
    static let tagByteCount = 16
    /// Largest plaintext `seal` accepts: secrets are API keys and TOTP seeds, not files.
    static let maxPlaintextByteCount = 64 * 1024

    /// Domain label at the start of the DEK wrap's associated data (16 ASCII bytes).
    static let wrapLabel: [UInt8] = Array("tessera-wrap-dek".utf8)
    /// Domain label at the start of the payload's associated data (15 ASCII bytes).
    static let payloadLabel: [UInt8] = Array("tessera-payload".utf8)

    /// Associated data of the DEK wrap: label ‖ format version ‖ master key version (u32 BE) ‖ context.
    static func wrapAAD(masterKeyVersion: UInt32, context: EncryptionContext) -> [UInt8] {
        var aad = wrapLabel
        aad.append(version)
        EnvelopeFormat.appendBigEndian(masterKeyVersion, to: &aad)
        aad.append(contentsOf: context.canonicalEncoding)
        return aad
    }

    /// Associated data of the payload: label ‖ format version ‖ context.
    ///
    /// The master key version is deliberately absent: a rewrap changes it without touching the payload.
    static func payloadAAD(context: EncryptionContext) -> [UInt8] {
        var aad = payloadLabel
        aad.append(version)
        aad.append(contentsOf: context.canonicalEncoding)
        return aad
    }

    /// Appends an integer to `bytes` in big-endian byte order.
    static func appendBigEndian<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        var bigEndian = value.bigEndian
        Swift.withUnsafeBytes(of: &bigEndian) { bytes.append(contentsOf: $0) }
    }

    /// The internal error for bytes that are not in the format; ``Keyring`` turns it into the opaque failure.
    static func malformed(_ what: String) -> CryptoError {
        CryptoError(.malformedEnvelope, what)
    }
}

/// A cursor over untrusted bytes that never reads past the end: every read checks the remaining length first.
struct EnvelopeReader {
    private let bytes: [UInt8]
    private(set) var offset: Int = 0

    init(_ bytes: some Collection<UInt8>) {
        self.bytes = Array(bytes)
    }

    /// The number of bytes not yet read.
    var remaining: Int { bytes.count - offset }

    /// Reads `count` bytes, or throws when fewer remain.
    mutating func read(_ count: Int) throws -> [UInt8] {
        guard count >= 0, count <= remaining else { throw EnvelopeFormat.malformed("truncated") }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// Reads one byte.
    mutating func readByte() throws -> UInt8 {
        try read(1)[0]
    }

    /// Reads a big-endian unsigned integer.
    mutating func readBigEndian<T: FixedWidthInteger & UnsignedInteger>(_: T.Type) throws -> T {
        try read(MemoryLayout<T>.size).reduce(T.zero) { ($0 << 8) | T($1) }
    }

    /// Reads everything that is left.
    mutating func readRest() -> [UInt8] {
        defer { offset = bytes.count }
        return Array(bytes[offset...])
    }
}
