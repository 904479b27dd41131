import Foundation
import Testing

@testable import TesseraCrypto

@Suite("QR code PNG")
struct QRCodeTests {
    /// A PNG split into its chunks, with every CRC checked.
    struct ParsedPNG {
        var chunks: [(type: String, data: [UInt8])] = []

        init(_ bytes: [UInt8]) throws {
            try #require(bytes.count > 8)
            #expect(Array(bytes[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
            var index = 8
            while index < bytes.count {
                try #require(index + 12 <= bytes.count, "truncated chunk header")
                let length = Int(Self.uint32(bytes, at: index))
                let typeAndData = Array(bytes[(index + 4)..<(index + 8 + length)])
                let crc = Self.uint32(bytes, at: index + 8 + length)
                #expect(crc == Self.referenceCRC32(typeAndData), "bad CRC")
                chunks.append((String(decoding: typeAndData[0..<4], as: UTF8.self), Array(typeAndData[4...])))
                index += 12 + length
            }
            #expect(index == bytes.count)
        }

        static func uint32(_ bytes: [UInt8], at index: Int) -> UInt32 {
            bytes[index..<(index + 4)].reduce(0) { ($0 << 8) | UInt32($1) }
        }

        /// A bitwise CRC-32 (no table), independent of the encoder's table-driven one.
        static func referenceCRC32(_ bytes: [UInt8]) -> UInt32 {
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in bytes {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
            }
            return ~crc
        }

        /// Inflates a zlib stream made of stored blocks (all this encoder writes), checking header and Adler-32.
        static func inflateStored(_ stream: [UInt8]) throws -> [UInt8] {
            try #require(stream.count >= 6)
            #expect((UInt32(stream[0]) << 8 | UInt32(stream[1])) % 31 == 0)
            #expect(stream[0] & 0x0F == 8)
            var out: [UInt8] = []
            var index = 2
            var final = false
            while !final {
                let header = stream[index]
                final = header & 1 == 1
                try #require(header >> 1 == 0, "only stored blocks expected")
                let length = Int(stream[index + 1]) | Int(stream[index + 2]) << 8
                let complement = Int(stream[index + 3]) | Int(stream[index + 4]) << 8
                #expect(length ^ complement == 0xFFFF)
                out += stream[(index + 5)..<(index + 5 + length)]
                index += 5 + length
            }
            var a: UInt32 = 1
            var b: UInt32 = 0
            for byte in out {
                a = (a + UInt32(byte)) % 65_521
                b = (b + a) % 65_521
            }
            #expect(uint32(stream, at: index) == (b << 16 | a), "bad Adler-32")
            #expect(index + 4 == stream.count)
            return out
        }
    }

    static let uris: [String] = {
        let secret = (try? TOTPSecret(base32: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")) ?? TOTPSecret.generate(for: .sha1)
        let sha512 = (try? TOTPParameters(algorithm: .sha512, digits: 8, periodSeconds: 60)) ?? .default
        return [
            (try? OTPAuthURI(secret: secret, issuer: "Tessera", account: "alice@example.com"))?.revealString(),
            (try? OTPAuthURI(secret: secret, issuer: "Zürich Bank – Prod", account: "jürgen müller", parameters: sha512))?
                .revealString(),
            (try? OTPAuthURI(
                secret: TOTPSecret.generate(for: .sha512),
                issuer: "東京 サービス",
                account: "ユーザー@例え.jp",
                parameters: sha512
            ))?.revealString(),
        ].compactMap { $0 }
    }()

    @Test("the URIs under test were built")
    func urisBuilt() {
        #expect(Self.uris.count == 3)
    }

    @Test("zbarimg decodes the PNG to exactly the otpauth URI", arguments: uris)
    func scannable(uri: String) async throws {
        let png = try QRCode.png(for: uri, scale: 8)
        let file = FileManager.default.temporaryDirectory
            .appendingPathComponent("tessera-qr-\(UUID().uuidString).png")
        try Data(png).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let output = try await Interop.runRaw("zbarimg", arguments: ["--raw", "-q", file.path])
        #expect(String(decoding: output, as: UTF8.self) == uri + "\n")
    }

    @Test("zbarimg also reads small (scale 3) and plain-text symbols", arguments: [3, 5])
    func scannableSmall(scale: Int) async throws {
        let text = "otpauth://totp/T:a?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        let file = FileManager.default.temporaryDirectory
            .appendingPathComponent("tessera-qr-\(UUID().uuidString).png")
        try Data(try QRCode.png(for: text, scale: scale, errorCorrection: .high)).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let output = try await Interop.runRaw("zbarimg", arguments: ["--raw", "-q", file.path])
        #expect(String(decoding: output, as: UTF8.self) == text + "\n")
    }

    @Test("PNG structure: valid CRCs, IHDR of (size + 8) × scale, pixels equal to the modules", arguments: [1, 4, 8])
    func structure(scale: Int) throws {
        let uri = try #require(Self.uris.first)
        let code = try QRCode(encoding: uri)
        #expect(code.size == 17 + 4 * code.version)
        let parsed = try ParsedPNG(try code.png(scale: scale))
        #expect(parsed.chunks.map(\.type) == ["IHDR", "IDAT", "IEND"])
        let header = try #require(parsed.chunks.first).data
        let side = (code.size + 8) * scale
        #expect(header.count == 13)
        #expect(ParsedPNG.uint32(header, at: 0) == UInt32(side))
        #expect(ParsedPNG.uint32(header, at: 4) == UInt32(side))
        #expect(Array(header[8...]) == [1, 0, 0, 0, 0])
        #expect(parsed.chunks[2].data.isEmpty)

        let raw = try ParsedPNG.inflateStored(parsed.chunks[1].data)
        let rowBytes = (side + 7) / 8
        try #require(raw.count == side * (rowBytes + 1))
        var mismatches = 0
        for y in 0..<side {
            #expect(raw[y * (rowBytes + 1)] == 0, "filter type")
            for x in 0..<side {
                let byte = raw[y * (rowBytes + 1) + 1 + x / 8]
                let white = (byte >> (7 - UInt8(x % 8))) & 1 == 1
                let dark = code.isDark(row: y / scale - 4, column: x / scale - 4)
                if white == dark { mismatches += 1 }
            }
        }
        #expect(mismatches == 0)
        // The quiet zone is light and the top-left finder pattern's corner is dark.
        #expect(!code.isDark(row: -1, column: 0))
        #expect(code.isDark(row: 0, column: 0))
    }

    @Test("zlib framing splits large images into stored blocks of at most 65,535 bytes")
    func largeStream() throws {
        let data = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let stream = PNGEncoder.zlibStored(data)
        #expect(try ParsedPNG.inflateStored(stream) == data)
        #expect(stream.count == 2 + 4 * 5 + data.count + 4)  // four blocks
        #expect(PNGEncoder.crc32(Array("123456789".utf8)) == 0xCBF4_3926)  // the CRC-32 check value
        #expect(PNGEncoder.adler32(Array("Wikipedia".utf8)) == 0x11E6_0398)
    }

    @Test("bad input is refused with an error that does not repeat it")
    func refused() throws {
        #expect(throws: CryptoError(.invalidParameter, "")) { try QRCode(encoding: "") }
        #expect(throws: CryptoError(.invalidParameter, "")) { try QRCode(encoding: "a\u{0}b") }
        #expect(throws: CryptoError(.invalidParameter, "")) { try QRCode.png(for: "x", scale: 0) }
        #expect(throws: CryptoError(.invalidParameter, "")) { try QRCode.png(for: "x", scale: 33) }
        let tooLong = String(repeating: "SECRET", count: 1_000)
        do {
            _ = try QRCode(encoding: tooLong, errorCorrection: .high)
            Issue.record("6000 bytes cannot fit in a QR code at level H")
        } catch let error as CryptoError {
            #expect(error.code == .encodingFailure)
            #expect(!error.description.contains("SECRET"))
        }
        let code = try QRCode(encoding: "SECRET-VALUE")
        var dumped = ""
        dump(code, to: &dumped)
        #expect(!dumped.contains("true"))
        #expect(!code.description.contains("SECRET"))
    }
}
