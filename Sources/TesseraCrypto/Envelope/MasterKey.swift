internal import Crypto

/// One version of the master key that wraps data keys: a version number, 32 bytes of key material held in locked
/// memory, and a lifecycle state.
///
/// Versions are positive and never reused: a retired version keeps its number (so nothing else can take it) but
/// drops its material. `description` shows the version, state and fingerprint, never the key.
public struct MasterKey: Sendable, CustomStringConvertible {
    /// Where a master key version is in its lifecycle.
    public enum State: String, Sendable, Hashable, CaseIterable {
        /// The one version that wraps new data keys (and still unwraps).
        case active
        /// An older version kept to unwrap existing data keys until they are re-wrapped.
        case decryptOnly = "decrypt-only"
        /// A version nothing references any more; it unwraps nothing and holds no material.
        case retired
    }

    /// The version number, ≥ 1, recorded in every wrapped key it makes.
    public let version: UInt32
    /// The lifecycle state.
    public let state: State
    /// The 32-byte AES-256 key, in locked memory where the platform allows; empty for a retired version.
    public let material: SecretBytes
    /// The first 16 hex digits of SHA-256 of the key material, to tell keys apart in logs and `keys status`;
    /// `nil` for a retired version without material.
    public let fingerprint: String?
    /// Counts the data keys this version wraps; copies of the key share it.
    public let wraps: WrapCounter

    /// Creates a master key version.
    ///
    /// - Parameters:
    ///   - version: The version number, ≥ 1.
    ///   - material: 32 bytes of key material (ignored and not kept for a retired version).
    ///   - state: The lifecycle state.
    ///   - wraps: The counter of its wraps (default: a new one); pass the previous counter when a version is loaded
    ///     again, so no count is lost between two loads.
    /// - Throws: `CryptoError(.invalidParameter)` for version 0 or material that is not 32 bytes.
    public init(version: UInt32, material: SecretBytes, state: State, wraps: WrapCounter = WrapCounter()) throws {
        guard version >= 1 else { throw CryptoError(.invalidParameter, "master key versions start at 1") }
        if state == .retired {
            self.init(
                uncheckedVersion: version, material: SecretBytes(copying: []), state: .retired, fingerprint: nil,
                wraps: wraps
            )
            return
        }
        guard material.count == EnvelopeFormat.keyByteCount else {
            throw CryptoError(.invalidParameter, "a master key must be 32 bytes")
        }
        // A master key lives as long as the process: keep it in locked memory whatever the caller handed in.
        let held =
            material.isLocked
            ? material
            : material.withUnsafeBytes { source in
                SecretBytes(count: source.count, locked: true) { $0.copyMemory(from: source) }
            }
        self.init(
            uncheckedVersion: version,
            material: held,
            state: state,
            fingerprint: Self.fingerprint(of: material),
            wraps: wraps
        )
    }

    private init(
        uncheckedVersion version: UInt32,
        material: SecretBytes,
        state: State,
        fingerprint: String?,
        wraps: WrapCounter
    ) {
        self.version = version
        self.material = material
        self.state = state
        self.fingerprint = fingerprint
        self.wraps = wraps
    }

    /// Creates a new master key version from the OS CSPRNG, in locked memory.
    ///
    /// - Parameters:
    ///   - version: The version number, ≥ 1.
    ///   - state: The lifecycle state (active by default).
    /// - Returns: The new key.
    /// - Throws: `CryptoError(.invalidParameter)` for version 0.
    public static func generate(version: UInt32, state: State = .active) throws -> MasterKey {
        try MasterKey(
            version: version,
            material: .random(count: EnvelopeFormat.keyByteCount, locked: true),
            state: state
        )
    }

    /// The same key in another state; retiring drops the material but keeps the fingerprint for the record.
    func with(state newState: State) -> MasterKey {
        if newState == .retired {
            return MasterKey(
                uncheckedVersion: version,
                material: SecretBytes(copying: []),
                state: .retired,
                fingerprint: fingerprint,
                wraps: wraps
            )
        }
        return MasterKey(
            uncheckedVersion: version, material: material, state: newState, fingerprint: fingerprint, wraps: wraps
        )
    }

    /// SHA-256 of the key, as lowercase hex, first 16 characters (64 bits: enough to tell keys apart, far too
    /// little to help anyone find the key).
    static func fingerprint(of material: SecretBytes) -> String {
        let digest = material.withUnsafeBytes { SHA256.hash(data: $0) }
        return String(digest.map { hexByte($0) }.joined().prefix(16))
    }

    private static func hexByte(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
    }

    /// Shows the version, state and fingerprint only.
    public var description: String {
        "MasterKey(version: \(version), state: \(state.rawValue), fingerprint: \(fingerprint ?? "none"))"
    }
}
