import Foundation

/// A row of `tessera.keyring_versions`: one master key version, wrapped by the root key.
///
/// The store never sees the master key itself: `wrappedKey` is sealed by the root key (with the version as
/// associated data) before it gets here.
public struct MasterKeyVersionRecord: Sendable, Hashable {
    /// The version number (1, 2, …), used as associated data when the key is wrapped.
    public var version: Int
    /// The master key, wrapped by the root key.
    public var wrappedKey: [UInt8]
    /// What the version may be used for.
    public var state: MasterKeyState
    /// When the version was created.
    public var createdAt: Date
    /// How many data keys are currently wrapped under this version.
    public var dekCount: Int64
    /// How many keys were wrapped (AES-GCM encryptions) under this version, as added by
    /// ``KeyringStore/addWrapCounts(_:)``: the usage that NIST SP 800-38D bounds.
    public var wrapCount: Int64

    /// Creates a keyring version value.
    /// - Parameters:
    ///   - version: The version number.
    ///   - wrappedKey: The wrapped master key.
    ///   - state: Its state (default ``MasterKeyState/active``).
    ///   - createdAt: Creation time.
    ///   - dekCount: Data keys wrapped under it (default 0).
    ///   - wrapCount: Encryptions done under it (default 0).
    public init(
        version: Int,
        wrappedKey: [UInt8],
        state: MasterKeyState = .active,
        createdAt: Date,
        dekCount: Int64 = 0,
        wrapCount: Int64 = 0
    ) {
        self.version = version
        self.wrappedKey = wrappedKey
        self.state = state
        self.createdAt = createdAt
        self.dekCount = dekCount
        self.wrapCount = wrapCount
    }
}
