import Foundation

/// The keyring: master key versions wrapped by the root key, and the revision replicas poll.
///
/// One of the narrow protocols ``TesseraStore`` is composed of: a flow, and its in-memory fake, depends only on the
/// parts it uses. Every method is a single atomic unit against the database.
public protocol KeyringStore: Sendable {

    /// Inserts a master key version. When it is ``MasterKeyState/active``, the previously active version becomes
    /// ``MasterKeyState/decryptOnly`` in the same transaction. Bumps the keyring revision.
    ///
    /// The caller picks the version (the last one + 1) because it is bound into the wrapping as associated data;
    /// two concurrent rotations picking the same number get one success and one
    /// ``StoreError/Code/duplicateKeyVersion``.
    func insertMasterKeyVersion(_ record: MasterKeyVersionRecord) async throws

    /// Every master key version, in version order.
    func masterKeyVersions() async throws -> [MasterKeyVersionRecord]

    /// Changes a version's state (activating one demotes the active one). Retiring a version that still wraps data
    /// keys is refused. Bumps the keyring revision.
    /// - Throws: ``StoreError/Code/notFound``; ``StoreError/Code/invalidValue`` when retiring a version in use.
    func setMasterKeyState(version: Int, state: MasterKeyState) async throws

    /// Atomically adds `delta` (may be negative) to a version's count of wrapped data keys; returns the new count.
    /// - Throws: ``StoreError/Code/notFound``; ``StoreError/Code/invalidValue`` if the count would go negative.
    func adjustDEKCount(version: Int, delta: Int64) async throws -> Int64

    /// A counter that changes whenever the keyring does (a version added, a state changed): one single-row read, so
    /// every replica can poll it cheaply and reload the keyring only when it moved.
    func keyringRevision() async throws -> Int64

    /// Adds encryptions performed under master key versions (version → how many since the last call) to their
    /// stored wrap counts, in one transaction. Every process counts in memory and adds its counts here from its
    /// keyring poll, so no shared row is written on the sealing path. Unknown versions are ignored.
    func addWrapCounts(_ counts: [Int: Int64]) async throws
}
