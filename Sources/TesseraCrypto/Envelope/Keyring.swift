/// The set of master key versions: exactly one active version that wraps new data keys, decrypt-only versions
/// that still unwrap, and retired versions that unwrap nothing.
///
/// A `Keyring` is an immutable-by-default value (`Sendable`), so a snapshot can be used while the storage layer
/// builds the next one from the database and swaps it in atomically through ``EnvelopeCipher``. Mutations come
/// in two spellings: `mutating` (`rotate()`, `retire(version:)`, `add(_:)`) and non-mutating returning a new
/// keyring (`rotated()`, `retiring(version:)`, `adding(_:)`). Sealing, opening and re-wrapping are in
/// `Keyring+Envelope.swift`.
public struct Keyring: Sendable {
    private var keysByVersion: [UInt32: MasterKey]
    /// The version that wraps new data keys.
    public private(set) var activeVersion: UInt32

    /// Creates a keyring from master key versions, e.g. as loaded from the database.
    ///
    /// - Parameter keys: The versions; their numbers must be unique and exactly one must be active.
    /// - Throws: `CryptoError(.keyringState)` when a version repeats or there is not exactly one active version.
    public init(keys: [MasterKey]) throws {
        var byVersion: [UInt32: MasterKey] = [:]
        for key in keys {
            guard byVersion.updateValue(key, forKey: key.version) == nil else {
                throw CryptoError(.keyringState, "master key version \(key.version) appears twice")
            }
        }
        let active = keys.filter { $0.state == .active }
        guard active.count == 1, let activeKey = active.first else {
            throw CryptoError(.keyringState, "a keyring needs exactly one active master key, found \(active.count)")
        }
        self.keysByVersion = byVersion
        self.activeVersion = activeKey.version
    }

    /// Creates a keyring holding one new random active master key.
    ///
    /// - Parameter version: The first version number (1 by default).
    /// - Returns: The keyring.
    /// - Throws: `CryptoError(.invalidParameter)` for version 0.
    public static func generate(version: UInt32 = 1) throws -> Keyring {
        try Keyring(keys: [MasterKey.generate(version: version, state: .active)])
    }

    /// Every version held, by ascending version number.
    public var keys: [MasterKey] {
        keysByVersion.values.sorted { $0.version < $1.version }
    }

    /// The active master key.
    public var activeKey: MasterKey {
        // The initialiser and every mutation keep `activeVersion` pointing at a held key.
        keysByVersion[activeVersion] ?? keys[0]
    }

    /// The version with the given number, in whatever state, or `nil`.
    ///
    /// - Parameter version: The version number.
    public func key(version: UInt32) -> MasterKey? {
        keysByVersion[version]
    }

    /// The key that may unwrap data keys of `version`: active or decrypt-only, never retired.
    func unwrappingKey(version: UInt32) -> MasterKey? {
        guard let key = keysByVersion[version], key.state != .retired else { return nil }
        return key
    }

    /// Adds a version; adding an active version demotes the current active one to decrypt-only.
    ///
    /// - Parameter key: The new version; its number must not be held yet (retired numbers stay taken).
    /// - Throws: `CryptoError(.keyringState)` when the version number is already held.
    public mutating func add(_ key: MasterKey) throws {
        guard keysByVersion[key.version] == nil else {
            throw CryptoError(.keyringState, "master key version \(key.version) already exists")
        }
        if key.state == .active {
            keysByVersion[activeVersion] = activeKey.with(state: .decryptOnly)
            activeVersion = key.version
        }
        keysByVersion[key.version] = key
    }

    /// Returns a copy with `key` added; see ``add(_:)``.
    ///
    /// - Parameter key: The new version.
    /// - Returns: The new keyring.
    /// - Throws: `CryptoError(.keyringState)` when the version number is already held.
    public func adding(_ key: MasterKey) throws -> Keyring {
        var copy = self
        try copy.add(key)
        return copy
    }

    /// Makes a new random version (one above the highest ever held) active and demotes the old one to
    /// decrypt-only; existing wrapped keys keep opening until they are re-wrapped.
    ///
    /// - Returns: The new active key.
    /// - Throws: `CryptoError(.keyringState)` when the version numbers are exhausted.
    @discardableResult
    public mutating func rotate() throws -> MasterKey {
        let highest = keysByVersion.keys.max() ?? 0
        guard highest < UInt32.max else { throw CryptoError(.keyringState, "master key versions are exhausted") }
        let key = try MasterKey.generate(version: highest + 1, state: .active)
        try add(key)
        return key
    }

    /// Returns a rotated copy; see ``rotate()``.
    ///
    /// - Returns: The new keyring.
    /// - Throws: `CryptoError(.keyringState)` when the version numbers are exhausted.
    public func rotated() throws -> Keyring {
        var copy = self
        try copy.rotate()
        return copy
    }

    /// Retires a decrypt-only version: its material is dropped and wrapped keys of that version no longer open.
    ///
    /// Call it only once nothing references the version (the storage layer checks that). Retiring a retired
    /// version does nothing.
    ///
    /// - Parameter version: The version to retire.
    /// - Throws: `CryptoError(.keyringState)` for the active version, `CryptoError(.unknownKeyVersion)` for a
    ///   version the keyring does not hold.
    public mutating func retire(version: UInt32) throws {
        guard let key = keysByVersion[version] else {
            throw CryptoError(.unknownKeyVersion, "master key version \(version) is not in the keyring")
        }
        guard key.state != .active else {
            throw CryptoError(.keyringState, "the active master key version \(version) cannot be retired")
        }
        keysByVersion[version] = key.with(state: .retired)
    }

    /// Returns a copy with `version` retired; see ``retire(version:)``.
    ///
    /// - Parameter version: The version to retire.
    /// - Returns: The new keyring.
    /// - Throws: As ``retire(version:)``.
    public func retiring(version: UInt32) throws -> Keyring {
        var copy = self
        try copy.retire(version: version)
        return copy
    }
}

extension Keyring: CustomStringConvertible {
    /// Lists versions, states and fingerprints; never key material.
    public var description: String {
        let versions = keys.map { "\($0.version) \($0.state.rawValue) \($0.fingerprint ?? "-")" }
        return "Keyring(active: \(activeVersion), versions: [\(versions.joined(separator: ", "))])"
    }
}
