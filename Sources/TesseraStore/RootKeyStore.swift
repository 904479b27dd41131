/// Which root key the keyring is wrapped under, and the atomic switch to a new one (`tessera keys rotate-root`).
///
/// One of the narrow protocols ``TesseraStore`` is composed of.
public protocol RootKeyStore: Sendable {
    /// The root key record, or nil while the keyring is under the root key it was created with.
    func rootKeyRecord() async throws -> RootKeyRecord?

    /// Replaces every master key version's wrapping and the root key record in one transaction, and bumps the
    /// keyring revision, but only if the revision is still `change.expectedRevision` and every version's stored
    /// wrapping is still `expected`: all of it commits, or nothing does.
    ///
    /// - Parameter change: The new wrappings and record.
    /// - Returns: Whether it was applied; false when the keyring changed since it was read (nothing written).
    /// - Throws: ``StoreError/Code/invalidValue`` when the versions given are not exactly the stored ones.
    func replaceRootKey(_ change: RootKeyRewrap) async throws -> Bool
}
