/// An Argon2 hash in the PHC string format, parsed strictly and re-encoded canonically.
///
/// The format is the one the reference implementation and argon2-cffi write:
///
/// ```
/// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
/// $argon2id$v=19$m=19456,t=2,p=1,keyid=pep1$<salt>$<hash>    (hashed with Tessera's pepper "pep1")
/// ```
///
/// Salt and hash are standard base64 without padding. A string without a `v=` field is version 1.0 (0x10), as
/// the reference implementation reads it. `keyid` is the PHC format's standard parameter for a key identifier;
/// Tessera uses it to name the server-side ``Pepper`` the password was hashed with.
///
/// Parsing refuses anything that is not exactly this shape — bad or non-canonical base64, missing, extra,
/// repeated or reordered fields, numbers with a sign, leading zeros or more than 32 bits, strings longer than
/// ``maximumLength`` — and checks every cost against ``PasswordPolicy/Bounds`` before returning, so no caller
/// can be made to allocate or compute anything from a hostile string. It never traps, whatever the input.
public struct PHCString: Sendable, CustomStringConvertible, CustomReflectable {
    /// The longest string accepted, in UTF-8 bytes; the longest valid string within any bounds is shorter.
    public static let maximumLength = 512

    /// The Argon2 variant.
    public let algorithm: Argon2.Variant
    /// The Argon2 version.
    public let version: Argon2.Version
    /// Memory cost in KiB (`m`).
    public let memoryKiB: Int
    /// Time cost (`t`).
    public let iterations: Int
    /// Lanes (`p`).
    public let parallelism: Int
    /// The identifier of the pepper the password was hashed with (`keyid`), or `nil` for an unpeppered hash.
    public let keyID: String?
    /// The salt bytes.
    public let salt: [UInt8]
    /// The hash (tag) bytes.
    public let hash: [UInt8]

    /// Creates a PHC string from its parts.
    ///
    /// - Parameters:
    ///   - algorithm: The Argon2 variant.
    ///   - version: The Argon2 version.
    ///   - memoryKiB: Memory cost in KiB (1…4294967295).
    ///   - iterations: Time cost (1…4294967295).
    ///   - parallelism: Lanes (1…4294967295).
    ///   - keyID: A pepper identifier (see ``Pepper/isValidID(_:)``), or `nil`.
    ///   - salt: The salt (1…128 bytes).
    ///   - hash: The hash (1…128 bytes).
    /// - Throws: ``CryptoError/Code/invalidParameter`` when a part cannot be written in the format.
    public init(
        algorithm: Argon2.Variant,
        version: Argon2.Version = .v13,
        memoryKiB: Int,
        iterations: Int,
        parallelism: Int,
        keyID: String? = nil,
        salt: [UInt8],
        hash: [UInt8]
    ) throws {
        let numbers = 1...Int(UInt32.max)
        guard numbers.contains(memoryKiB), numbers.contains(iterations), numbers.contains(parallelism),
            (1...PasswordPolicy.Bounds.largestByteLength).contains(salt.count),
            (1...PasswordPolicy.Bounds.largestByteLength).contains(hash.count),
            keyID.map(Pepper.isValidID) ?? true
        else {
            throw CryptoError(.invalidParameter, "PHC string parts out of range")
        }
        self.algorithm = algorithm
        self.version = version
        self.memoryKiB = memoryKiB
        self.iterations = iterations
        self.parallelism = parallelism
        self.keyID = keyID
        self.salt = salt
        self.hash = hash
    }

    /// Parses a PHC string strictly and checks its costs against `bounds`.
    ///
    /// - Parameters:
    ///   - string: The stored hash.
    ///   - bounds: The limits its parameters must respect.
    /// - Throws: ``CryptoError/Code/malformedHash`` when the string is not well formed,
    ///   ``CryptoError/Code/unsupportedAlgorithm`` when it names another algorithm (argon2d, bcrypt, scrypt…) or
    ///   an Argon2 version other than 16 or 19, ``CryptoError/Code/parametersOutOfBounds`` when a cost or length
    ///   lies outside `bounds`.
    public init(parsing string: String, bounds: PasswordPolicy.Bounds = .default) throws {
        let parser = PHCParser(string)
        self = try parser.parse(bounds: bounds)
    }

    /// The canonical PHC string, with an explicit `v=` field.
    public var encoded: String {
        var params = "m=\(memoryKiB),t=\(iterations),p=\(parallelism)"
        if let keyID { params += ",keyid=\(keyID)" }
        let (salt, hash) = (PHCBase64.encode(salt), PHCBase64.encode(hash))
        return "$" + [algorithm.rawValue, "v=\(version.rawValue)", params, salt, hash].joined(separator: "$")
    }

    /// The parameters only; the salt and hash are left out so the value is safe to log.
    public var description: String {
        let pepper = keyID.map { ", keyid=\($0)" } ?? ""
        return "PHCString(\(algorithm.rawValue), v=\(version.rawValue), m=\(memoryKiB), t=\(iterations), "
            + "p=\(parallelism)\(pepper), \(salt.count)-byte salt, \(hash.count)-byte hash)"
    }

    /// The parameters only, like ``description``: `dump` and debuggers do not see the salt and hash bytes, which
    /// an attacker could use to attack the password offline.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "algorithm": algorithm, "version": version, "memoryKiB": memoryKiB, "iterations": iterations,
                "parallelism": parallelism, "keyID": keyID as Any, "saltByteCount": salt.count,
                "hashByteCount": hash.count,
            ],
            displayStyle: .struct
        )
    }
}
