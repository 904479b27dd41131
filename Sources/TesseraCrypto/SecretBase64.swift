internal import CTesseraSodium

/// Standard base64 (RFC 4648 §4, padded) decoded straight into ``SecretBytes``, for key text read from files and
/// the environment: libsodium writes the decoded bytes into the locked buffer itself, so no `Data`, array or
/// string along the way ever holds the key.
enum SecretBase64 {
    /// Decodes base64 of exactly `count` bytes, ignoring ASCII white space around it (not inside).
    ///
    /// - Parameters:
    ///   - text: The encoded bytes; read in place, never copied.
    ///   - count: The decoded length required.
    /// - Returns: The decoded bytes in locked memory, or `nil` when `text` is not base64 of `count` bytes.
    static func decode(_ text: UnsafeRawBufferPointer, count: Int) -> SecretBytes? {
        var start = 0
        var end = text.count
        while start < end, isSpace(text[start]) { start += 1 }
        while end > start, isSpace(text[end - 1]) { end -= 1 }
        guard end > start, let base = text.baseAddress else { return nil }
        var decodedCount = 0
        var status: Int32 = -1
        let secret = SecretBytes(count: count, locked: true) { buffer in
            status = tessera_base64_decode(buffer.baseAddress, buffer.count, base + start, end - start, &decodedCount)
        }
        guard status == 0, decodedCount == count else { return nil }
        return secret
    }

    /// Decodes the UTF-8 bytes of `text` in place; see ``decode(_:count:)``.
    static func decode(_ text: String, count: Int) -> SecretBytes? {
        var text = text
        return text.withUTF8 { decode(UnsafeRawBufferPointer($0), count: count) }
    }

    /// Encodes `bytes` as standard base64 followed by a NUL into `output`, which must hold exactly that
    /// (`4 * ceil(n / 3) + 1` bytes).
    ///
    /// - Returns: Whether it fitted.
    static func encode(_ bytes: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> Bool {
        tessera_base64_encode(output.baseAddress, output.count, bytes.baseAddress, bytes.count) == 0
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
