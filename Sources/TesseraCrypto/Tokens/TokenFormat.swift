/// The byte-level rules of opaque tokens: base62 alphabet, body length, CRC-32 checksum.
///
/// A token is `prefix ‖ body ‖ checksum`: a 4-character prefix naming the kind, 43 base62 characters drawn
/// uniformly from the OS CSPRNG (43 · log2 62 ≈ 256.03 bits), and 6 base62 characters encoding the CRC-32 of the
/// prefix and body (zero-padded, most significant digit first). See `docs/tokens.md`.
enum TokenFormat {
    /// The base62 alphabet in digit order: `0-9`, `A-Z`, `a-z`.
    static let alphabet: [UInt8] = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
    /// Length of the kind prefix, e.g. `tsr_`.
    static let prefixLength = 4
    /// Random base62 characters: the smallest count carrying at least 256 bits.
    static let bodyLength = 43
    /// Checksum characters: 62^6 > 2^32, so any CRC-32 fits.
    static let checksumLength = 6
    /// Total length of every token.
    static let tokenLength = prefixLength + bodyLength + checksumLength

    /// The digit value of a base62 character, or `nil` for any other byte.
    static func digit(of byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): Int(byte - UInt8(ascii: "A")) + 10
        case UInt8(ascii: "a")...UInt8(ascii: "z"): Int(byte - UInt8(ascii: "a")) + 36
        default: nil
        }
    }

    /// `count` uniformly random base62 characters: bytes ≥ 248 are rejected so `byte % 62` has no bias.
    static func randomBody(count: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            for byte in SecureRandom.bytes(count: count) where byte < 248 && out.count < count {
                out.append(alphabet[Int(byte % 62)])
            }
        }
        return out
    }

    /// The 6-character base62 encoding of the CRC-32 of `bytes`.
    static func checksum(of bytes: some Sequence<UInt8>) -> [UInt8] {
        var value = UInt64(TokenCRC32.checksum(bytes))
        var digits = [UInt8](repeating: alphabet[0], count: checksumLength)
        for index in digits.indices.reversed() {
            digits[index] = alphabet[Int(value % 62)]
            value /= 62
        }
        return digits
    }
}

/// CRC-32 as in zlib, PNG and Ethernet (reflected polynomial 0xEDB88320, initial value and final XOR 0xFFFFFFFF).
enum TokenCRC32 {
    private static let table: [UInt32] = (0..<256).map { index in
        (0..<8).reduce(UInt32(index)) { crc, _ in (crc & 1) == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }

    /// The checksum of `bytes`.
    static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        ~bytes.reduce(UInt32.max) { crc, byte in table[Int((crc ^ UInt32(byte)) & 0xff)] ^ (crc >> 8) }
    }
}
