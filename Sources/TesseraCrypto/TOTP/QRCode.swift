internal import CTesseraQREncode
import Foundation

/// A QR code symbol made by libqrencode (byte mode, smallest version that fits), renderable as a PNG image.
///
/// For TOTP enrolment the text is an `otpauth://` URI, so the module pattern encodes a secret: the matrix is not
/// shown by `description` or reflection, and the PNG must be treated like the secret itself.
public struct QRCode: Sendable, CustomStringConvertible, CustomReflectable {
    /// How much of the symbol may be damaged and still read (QR error correction level).
    public struct ErrorCorrection: Sendable, Hashable {
        let level: Int32
        private init(_ level: Int32) { self.level = level }

        /// Level L: about 7 % of codewords can be restored.
        public static let low = ErrorCorrection(0)
        /// Level M: about 15 %; the default, a good balance for screens.
        public static let medium = ErrorCorrection(1)
        /// Level Q: about 25 %.
        public static let quartile = ErrorCorrection(2)
        /// Level H: about 30 %.
        public static let high = ErrorCorrection(3)
    }

    /// The light border required around the symbol, in modules (ISO/IEC 18004 §6.3.8).
    public static let quietZoneModules = 4
    /// The accepted module sizes for ``png(scale:)``, in pixels.
    public static let allowedScales: ClosedRange<Int> = 1...32

    /// The QR version, 1 to 40.
    public let version: Int
    /// The number of modules on a side (`17 + 4 × version`), without the quiet zone.
    public let size: Int
    /// The modules row by row, `true` for dark.
    private let modules: [Bool]

    /// Encodes `text` as UTF-8 bytes in byte mode.
    ///
    /// - Parameters:
    ///   - text: The text; not empty, without NUL characters.
    ///   - errorCorrection: The error correction level; M by default.
    /// - Throws: ``CryptoError/Code/invalidParameter`` for empty text or text containing NUL;
    ///   ``CryptoError/Code/encodingFailure`` when the text is too long for a QR symbol at that level, or
    ///   libqrencode fails. Messages never contain the text.
    public init(encoding text: String, errorCorrection: ErrorCorrection = .medium) throws {
        guard !text.isEmpty, !text.utf8.contains(0) else {
            throw CryptoError(.invalidParameter, "QR text must be non-empty and contain no NUL character")
        }
        let encoded = text.withCString { tessera_qr_encode($0, errorCorrection.level) }
        guard let encoded else {
            let reason = errno == ERANGE ? "the text is too long for a QR code" : "libqrencode failed (errno \(errno))"
            throw CryptoError(.encodingFailure, reason)
        }
        defer { tessera_qr_free(encoded) }
        let width = Int(encoded.pointee.width)
        guard width > 0, let data = encoded.pointee.data else {
            throw CryptoError(.encodingFailure, "libqrencode returned an empty symbol")
        }
        var modules = [Bool](repeating: false, count: width * width)
        for index in 0..<(width * width) {
            modules[index] = data[index] & 1 == 1
        }
        self.version = Int(encoded.pointee.version)
        self.size = width
        self.modules = modules
    }

    /// Whether the module at (`row`, `column`) is dark; positions outside the symbol (the quiet zone) are light.
    ///
    /// - Parameters:
    ///   - row: The row, from 0 at the top.
    ///   - column: The column, from 0 at the left.
    /// - Returns: `true` for a dark module.
    public func isDark(row: Int, column: Int) -> Bool {
        guard (0..<size).contains(row), (0..<size).contains(column) else { return false }
        return modules[row * size + column]
    }

    /// Renders the symbol as a 1-bit grayscale PNG with a quiet zone of ``quietZoneModules`` on every side.
    ///
    /// - Parameter scale: The side of one module in pixels, 1 to 32; 8 by default. The image is
    ///   `(size + 8) × scale` pixels square.
    /// - Returns: The PNG file's bytes.
    /// - Throws: ``CryptoError/Code/invalidParameter`` when `scale` is out of range.
    public func png(scale: Int = 8) throws -> [UInt8] {
        guard Self.allowedScales.contains(scale) else {
            throw CryptoError(.invalidParameter, "QR module size must be between 1 and 32 pixels")
        }
        let side = (size + 2 * Self.quietZoneModules) * scale
        return PNGEncoder.blackAndWhite(width: side, height: side) { x, y in
            isDark(row: y / scale - Self.quietZoneModules, column: x / scale - Self.quietZoneModules)
        }
    }

    /// Encodes `text` and renders it as a PNG in one step.
    ///
    /// - Parameters:
    ///   - text: The text to encode.
    ///   - scale: The side of one module in pixels, 1 to 32.
    ///   - errorCorrection: The error correction level.
    /// - Returns: The PNG file's bytes.
    /// - Throws: As ``init(encoding:errorCorrection:)`` and ``png(scale:)``.
    public static func png(
        for text: String,
        scale: Int = 8,
        errorCorrection: ErrorCorrection = .medium
    ) throws -> [UInt8] {
        try QRCode(encoding: text, errorCorrection: errorCorrection).png(scale: scale)
    }

    /// The version and size only.
    public var description: String { "QRCode(version: \(version), \(size)x\(size) modules)" }

    /// Hides the module matrix from `dump` and debuggers.
    public var customMirror: Mirror {
        Mirror(self, children: ["version": version, "size": size], displayStyle: .struct)
    }
}
