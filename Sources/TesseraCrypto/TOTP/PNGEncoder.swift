/// A minimal PNG writer for black-and-white images (QR codes), with no dependency beyond the standard library.
///
/// The image is 1-bit grayscale (colour type 0, bit depth 1: 0 = black, 1 = white), non-interlaced, every
/// scanline with filter type 0. The zlib stream (RFC 1950) holds the scanlines in stored (uncompressed) deflate
/// blocks (RFC 1951 §3.2.4) of at most 65,535 bytes, followed by their Adler-32. Every chunk carries the CRC-32
/// of its type and data (ISO 3309 / ITU-T V.42, as the PNG specification requires). Stored blocks keep the code
/// small and obviously correct; a 1-bit QR code image is a few tens of kilobytes even so.
enum PNGEncoder {
    /// The eight-byte PNG signature.
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The largest payload of one stored deflate block.
    static let maximumStoredBlock = 65_535

    /// Encodes a black-and-white image.
    ///
    /// - Parameters:
    ///   - width: The width in pixels, at least 1.
    ///   - height: The height in pixels, at least 1.
    ///   - isBlack: Whether the pixel at (`x`, `y`) is black; (0, 0) is the top-left corner.
    /// - Returns: The PNG file's bytes.
    static func blackAndWhite(width: Int, height: Int, isBlack: (_ x: Int, _ y: Int) -> Bool) -> [UInt8] {
        let rowBytes = (width + 7) / 8
        var raw: [UInt8] = []
        raw.reserveCapacity((rowBytes + 1) * height)
        for y in 0..<height {
            raw.append(0)  // filter type None
            var byte: UInt8 = 0
            for x in 0..<width {
                if !isBlack(x, y) { byte |= 0x80 >> UInt8(x % 8) }
                if x % 8 == 7 {
                    raw.append(byte)
                    byte = 0
                }
            }
            if width % 8 != 0 { raw.append(byte) }
        }

        var header: [UInt8] = []
        header += bigEndian(UInt32(width))
        header += bigEndian(UInt32(height))
        header += [1, 0, 0, 0, 0]  // bit depth 1, grayscale, deflate, adaptive filtering, no interlace

        var png = signature
        appendChunk("IHDR", header, to: &png)
        appendChunk("IDAT", zlibStored(raw), to: &png)
        appendChunk("IEND", [], to: &png)
        return png
    }

    /// Wraps `data` in a zlib stream made of stored deflate blocks.
    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        // CMF 0x78: deflate with a 32 KiB window; FLG 0x01: no dictionary, and 0x7801 is a multiple of 31.
        var out: [UInt8] = [0x78, 0x01]
        out.reserveCapacity(data.count + data.count / maximumStoredBlock * 5 + 11)
        var start = 0
        repeat {
            let end = min(start + maximumStoredBlock, data.count)
            let length = UInt16(end - start)
            out.append(end == data.count ? 0x01 : 0x00)  // BFINAL, BTYPE = 00 (stored), then byte-aligned
            out += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8)]
            out += data[start..<end]
            start = end
        } while start < data.count
        out += bigEndian(adler32(data))
        return out
    }

    /// Appends one chunk: length, type, data, CRC-32 of type and data.
    private static func appendChunk(_ type: String, _ data: [UInt8], to png: inout [UInt8]) {
        let typeBytes = Array(type.utf8)
        png += bigEndian(UInt32(data.count))
        png += typeBytes
        png += data
        png += bigEndian(crc32(typeBytes + data))
    }

    /// The CRC-32 used by PNG, zlib's `crc32` (reflected polynomial 0xEDB88320).
    static func crc32(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        return crc ^ 0xFFFF_FFFF
    }

    /// The Adler-32 checksum of RFC 1950 §8.2.
    static func adler32(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        return (b << 16) | a
    }

    private static let crcTable: [UInt32] = (0..<256).map { index in
        var c = UInt32(index)
        for _ in 0..<8 {
            c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1
        }
        return c
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}
