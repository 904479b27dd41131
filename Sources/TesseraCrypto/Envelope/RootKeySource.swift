/// Where a root key comes from: the seam between Tessera and whatever holds the key.
///
/// Today: ``RootKeyFile`` (a development file, a mounted secret) and ``RootKeyEnvironment`` (`TESSERA_ROOT_KEY`).
/// Later: an HSM through PKCS#11. An HSM-backed source would not export the key; it would implement the two
/// operations Tessera needs (wrap/unwrap a master key, derive the audit key) inside the device — at that point
/// the consumers of ``RootKey`` move to a protocol with those operations. Until then a source loads the key bytes.
public protocol RootKeySource: Sendable {
    /// Loads the root key.
    ///
    /// - Returns: The key.
    /// - Throws: `CryptoError` with a message naming the source (never the key).
    func loadRootKey() throws -> RootKey
}
