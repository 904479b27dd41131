internal import CTesseraSodium

/// RFC 4648 base32 (the "Base 32 Encoding" alphabet `A–Z 2–7`), as used by `otpauth://` secrets.
///
/// Encoding never emits padding: the Key URI format and authenticator apps expect the bare alphabet. Decoding is
/// strict, because a secret that decodes "approximately" would enrol a user with codes that never match:
/// it accepts upper- and lower-case letters, refuses any other character (including whitespace and separators),
/// refuses lengths that no byte string encodes to (1, 3 or 6 symbols in the last group) and refuses non-zero
/// bits after the last whole byte (so every byte string has exactly one accepted spelling per letter case).
/// Trailing `=` padding is refused unless asked for, and then must be exactly the padding RFC 4648 prescribes.
public enum Base32 {
    /// The RFC 4648 alphabet, as ASCII bytes.
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    /// Returns the unpadded base32 spelling of `bytes`, in upper case.
    ///
    /// The result is a plain `String`, which cannot be wiped from memory: when `bytes` is a secret, treat the
    /// result as one too and keep it no longer than needed.
    ///
    /// - Parameter bytes: The bytes to encode.
    /// - Returns: `ceil(8 * count / 5)` characters from `A–Z2–7`.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.underestimatedCount * 8 / 5 + 1)
        // The working copy is wiped; only the returned string (which the caller must treat as the secret) remains.
        defer { wipe(&output) }
        var buffer: UInt32 = 0
        var bitCount = 0
        for byte in bytes {
            buffer = (buffer << 8) | UInt32(byte)
            bitCount += 8
            while bitCount >= 5 {
                bitCount -= 5
                output.append(alphabet[Int((buffer >> UInt32(bitCount)) & 0x1F)])
            }
            buffer &= (1 << UInt32(bitCount)) - 1
        }
        if bitCount > 0 {
            output.append(alphabet[Int((buffer << UInt32(5 - bitCount)) & 0x1F)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes strict RFC 4648 base32 text.
    ///
    /// The returned array is ordinary memory; callers decoding a secret move it into ``SecretBytes`` with
    /// ``SecretBytes/init(zeroing:locked:)`` at once.
    ///
    /// - Parameters:
    ///   - text: Base32 text in upper or lower case (or a mix), without whitespace.
    ///   - allowPadding: Whether trailing `=` padding is tolerated; when `true`, padding, if present, must be the
    ///     exact RFC 4648 padding to a multiple of eight characters.
    /// - Returns: The decoded bytes.
    /// - Throws: ``CryptoError/Code/malformedSecret`` for an invalid character, an impossible length, wrong
    ///   padding or non-zero trailing bits. The message never repeats the input.
    public static func decode(_ text: String, allowPadding: Bool = false) throws -> [UInt8] {
        var symbols = Array(text.utf8)
        defer { wipe(&symbols) }

        var end = symbols.count
        while end > 0, symbols[end - 1] == UInt8(ascii: "=") { end -= 1 }
        let paddingCount = symbols.count - end
        if paddingCount > 0 {
            guard allowPadding else {
                throw CryptoError(.malformedSecret, "base32 padding is not accepted")
            }
            guard symbols.count % 8 == 0, paddingCount == expectedPadding(forSymbols: end) else {
                throw CryptoError(.malformedSecret, "base32 padding is wrong")
            }
        }
        // A final group of 1, 3 or 6 symbols carries fewer than 8 bits beyond the previous whole byte:
        // no byte string encodes to it.
        guard [0, 2, 4, 5, 7].contains(end % 8) else {
            throw CryptoError(.malformedSecret, "base32 text has an impossible length")
        }

        var output: [UInt8] = []
        output.reserveCapacity(end * 5 / 8)
        var buffer: UInt32 = 0
        var bitCount = 0
        var invalid = false
        for index in 0..<end {
            let value = symbolValue(symbols[index])
            invalid = invalid || value < 0
            buffer = ((buffer << 5) | UInt32(truncatingIfNeeded: value & 0x1F)) & 0x1FFF
            bitCount += 5
            if bitCount >= 8 {
                bitCount -= 8
                output.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bitCount)))
            }
        }
        let trailingBits = buffer & ((1 << UInt32(bitCount)) - 1)
        buffer = 0
        guard !invalid else {
            wipe(&output)
            throw CryptoError(.malformedSecret, "base32 text contains a character outside A-Z, a-z, 2-7")
        }
        guard trailingBits == 0 else {
            wipe(&output)
            throw CryptoError(.malformedSecret, "base32 text has non-zero trailing bits")
        }
        return output
    }

    /// The value of one base32 symbol (either letter case), or -1 when the byte is not in the alphabet.
    ///
    /// Computed with range arithmetic and masks rather than a lookup table indexed by the (secret) symbol, so
    /// neither memory access patterns nor the choice of result depend on which symbol it is.
    private static func symbolValue(_ byte: UInt8) -> Int {
        let c = Int(byte)
        let upper = c & ~0x20  // folds a–z onto A–Z; digits 2–7 (0x32–0x37) are checked on `c`
        let letterMask = mask(upper >= 0x41) & mask(upper <= 0x5A)
        let digitMask = mask(c >= 0x32) & mask(c <= 0x37)
        return (letterMask & (upper - 0x41)) | (digitMask & (c - 0x32 + 26)) | ~(letterMask | digitMask)
    }

    /// -1 (all bits set) for `true`, 0 for `false`.
    private static func mask(_ condition: Bool) -> Int {
        0 &- (condition ? 1 : 0)
    }

    /// The number of `=` RFC 4648 appends after `count` symbols to reach a multiple of eight.
    private static func expectedPadding(forSymbols count: Int) -> Int {
        switch count % 8 {
        case 2: 6
        case 4: 4
        case 5: 3
        case 7: 1
        default: 0
        }
    }

    /// Overwrites an array's bytes with zeroes (libsodium's `sodium_memzero`, which the optimiser keeps).
    static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { tessera_memzero($0.baseAddress, $0.count) }
    }
}
