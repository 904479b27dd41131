/// Reads the subject common name (OID 2.5.4.3) of an X.509 certificate from its DER bytes.
///
/// NIOSSL verifies client certificates but does not expose their subject, so this small DER walker finds it:
/// `Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version?, serialNumber, signature, issuer,
/// validity, subject, … } … }`. It reads lengths defensively and returns `nil` for anything unexpected.
enum CertificateSubject {
    /// The common name of the certificate's subject, or `nil`.
    ///
    /// A subject with several common names has no single identity (which one a check reads would decide who the
    /// peer is), so it gets `nil`, as does an empty one.
    ///
    /// - Parameter der: The certificate in DER.
    /// - Returns: The common name as UTF-8 text, or `nil` when absent, repeated, empty or unparseable.
    static func commonName(fromDER der: [UInt8]) -> String? {
        var reader = DERReader(bytes: der[...])
        guard let certificate = reader.read(tag: 0x30) else { return nil }
        var certificateReader = DERReader(bytes: certificate)
        guard let tbs = certificateReader.read(tag: 0x30) else { return nil }
        var fields = DERReader(bytes: tbs)
        if fields.peekTag() == 0xA0 {
            _ = fields.readAny()  // version
        }
        // serialNumber, signature, issuer, validity
        for _ in 0..<4 {
            guard fields.readAny() != nil else { return nil }
        }
        guard let subject = fields.read(tag: 0x30) else { return nil }
        var names = DERReader(bytes: subject)
        var commonNames: [String] = []
        while !names.isAtEnd {
            guard let set = names.read(tag: 0x31) else { return nil }
            var attributes = DERReader(bytes: set)
            while !attributes.isAtEnd {
                guard let attribute = attributes.read(tag: 0x30) else { return nil }
                var parts = DERReader(bytes: attribute)
                guard let oid = parts.read(tag: 0x06), let value = parts.readAny() else { return nil }
                if oid.elementsEqual([0x55, 0x04, 0x03]) {
                    commonNames.append(String(decoding: value.content, as: UTF8.self))
                }
            }
        }
        guard commonNames.count == 1, let commonName = commonNames.first, !commonName.isEmpty else { return nil }
        return commonName
    }
}

/// A forward-only reader of DER tag-length-value elements.
private struct DERReader {
    var bytes: ArraySlice<UInt8>

    var isAtEnd: Bool { bytes.isEmpty }

    func peekTag() -> UInt8? { bytes.first }

    /// Reads the next element if it has `tag`; returns its content.
    mutating func read(tag: UInt8) -> ArraySlice<UInt8>? {
        guard peekTag() == tag, let element = readAny() else { return nil }
        return element.content
    }

    /// Reads the next element whatever its tag.
    mutating func readAny() -> (tag: UInt8, content: ArraySlice<UInt8>)? {
        guard bytes.count >= 2 else { return nil }
        let tag = bytes[bytes.startIndex]
        var index = bytes.startIndex + 1
        let first = bytes[index]
        index += 1
        var length = 0
        if first < 0x80 {
            length = Int(first)
        } else {
            let count = Int(first & 0x7F)
            guard (1...4).contains(count), bytes.endIndex - index >= count else { return nil }
            for _ in 0..<count {
                length = length << 8 | Int(bytes[index])
                index += 1
            }
        }
        guard length >= 0, bytes.endIndex - index >= length else { return nil }
        let content = bytes[index..<(index + length)]
        bytes = bytes[(index + length)...]
        return (tag, content)
    }
}
