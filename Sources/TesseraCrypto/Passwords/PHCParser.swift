/// The strict, allocation-bounded parser behind ``PHCString/init(parsing:bounds:)``.
///
/// Works on the UTF-8 bytes of an input already capped at ``PHCString/maximumLength``, splits on `$` and `,`
/// only, and checks each field's exact spelling, so its cost is linear in that small length and it cannot trap.
struct PHCParser {
    private let bytes: [UInt8]

    init(_ string: String) {
        // Take at most one byte past the cap: enough to know the input is too long without copying all of it.
        self.bytes = Array(string.utf8.prefix(PHCString.maximumLength + 1))
    }

    func parse(bounds: PasswordPolicy.Bounds) throws -> PHCString {
        guard !bytes.isEmpty else { throw malformed("empty hash string") }
        guard bytes.count <= PHCString.maximumLength else { throw malformed("hash string too long") }
        let fields = bytes.split(separator: UInt8(ascii: "$"), omittingEmptySubsequences: false)
        guard fields.count >= 2, fields[0].isEmpty else { throw malformed("hash string must start with '$'") }

        let algorithm = try parseAlgorithm(fields[1])
        let version: Argon2.Version
        let rest: ArraySlice<ArraySlice<UInt8>>
        if fields.count == 6, fields[2].starts(with: Array("v=".utf8)) {
            version = try parseVersion(fields[2].dropFirst(2))
            rest = fields[3...]
        } else if fields.count == 5 {
            version = .v10  // the reference implementation's reading of a string without "v="
            rest = fields[2...]
        } else {
            throw malformed("wrong number of '$'-separated fields")
        }
        let (memory, iterations, parallelism, keyID) = try parseParameters(rest[rest.startIndex])
        guard let salt = PHCBase64.decode(rest[rest.startIndex + 1]), !salt.isEmpty else {
            throw malformed("salt is not canonical unpadded base64")
        }
        guard let hash = PHCBase64.decode(rest[rest.startIndex + 2]), !hash.isEmpty else {
            throw malformed("hash is not canonical unpadded base64")
        }
        try bounds.check(
            memoryKiB: memory, iterations: iterations, parallelism: parallelism, saltLength: salt.count,
            hashLength: hash.count
        )
        return try PHCString(
            algorithm: algorithm, version: version, memoryKiB: memory, iterations: iterations,
            parallelism: parallelism, keyID: keyID, salt: salt, hash: hash
        )
    }

    private func parseAlgorithm(_ field: ArraySlice<UInt8>) throws -> Argon2.Variant {
        if let variant = Argon2.Variant(rawValue: String(decoding: field, as: UTF8.self)) {
            return variant
        }
        // A syntactically valid PHC identifier ([a-z0-9-]{1,32}) that is not ours: argon2d, scrypt, 2b (bcrypt)…
        let isIdentifier =
            (1...32).contains(field.count)
            && field.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
        if isIdentifier {
            throw CryptoError(.unsupportedAlgorithm, "only argon2id and argon2i hashes are supported")
        }
        throw malformed("bad algorithm identifier")
    }

    private func parseVersion(_ digits: ArraySlice<UInt8>) throws -> Argon2.Version {
        let number = try parseNumber(digits, name: "v")
        switch number {
        case 0x10: return .v10
        case 0x13: return .v13
        default: throw CryptoError(.unsupportedAlgorithm, "only Argon2 versions 16 and 19 are supported")
        }
    }

    private func parseParameters(
        _ field: ArraySlice<UInt8>
    ) throws -> (memory: Int, iterations: Int, parallelism: Int, keyID: String?) {
        let parts = field.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
        guard parts.count == 3 || parts.count == 4 else { throw malformed("expected m=,t=,p= parameters") }
        let memory = try parseNumber(value(of: "m", in: parts[0]), name: "m")
        let iterations = try parseNumber(value(of: "t", in: parts[1]), name: "t")
        let parallelism = try parseNumber(value(of: "p", in: parts[2]), name: "p")
        var keyID: String?
        if parts.count == 4 {
            let id = String(decoding: try value(of: "keyid", in: parts[3]), as: UTF8.self)
            guard Pepper.isValidID(id) else { throw malformed("bad keyid") }
            keyID = id
        }
        return (memory, iterations, parallelism, keyID)
    }

    /// The text after `name=`, or an error when the part is another parameter (missing, reordered, renamed).
    private func value(of name: String, in part: ArraySlice<UInt8>) throws -> ArraySlice<UInt8> {
        let prefix = Array((name + "=").utf8)
        guard part.starts(with: prefix) else { throw malformed("expected parameter \(name)= in its place") }
        return part.dropFirst(prefix.count)
    }

    /// A decimal number of 1…10 digits, without sign or leading zero, that fits in 32 bits.
    private func parseNumber(_ digits: ArraySlice<UInt8>, name: String) throws -> Int {
        guard (1...10).contains(digits.count), digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw malformed("parameter \(name) is not a decimal number")
        }
        guard digits.count == 1 || digits.first != 0x30 else {
            throw malformed("parameter \(name) has a leading zero")
        }
        let value = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        guard value <= Int(UInt32.max) else { throw malformed("parameter \(name) does not fit in 32 bits") }
        return value
    }

    private func malformed(_ message: String) -> CryptoError {
        CryptoError(.malformedHash, message)
    }
}
