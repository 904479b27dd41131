import Foundation

/// Provider API keys (`providers.user_providers`), stored sealed.
///
/// One of the narrow protocols ``TesseraStore`` is composed of: a flow, and its in-memory fake, depends only on the
/// parts it uses. Every method is a single atomic unit against the database.
public protocol ProviderKeyStore: Sendable {

    /// Inserts a provider key.
    /// - Throws: ``StoreError/Code/duplicateProvider`` (same user and provider type), ``StoreError/Code/foreignKey``.
    func createProviderKey(_ key: ProviderKeyRecord) async throws

    /// The user's key for a provider type, or nil.
    func providerKey(userID: UUID, providerType: String) async throws -> ProviderKeyRecord?

    /// The user's key for a provider type with its row locked until the enclosing transaction ends (on SQLite
    /// `BEGIN IMMEDIATE` already excludes every other writer), or nil.
    ///
    /// A replacement or deletion reads the old row's data key under this lock, so the keyring rewrap's
    /// compare-and-swap on the same row waits and then finds it changed, and the per-version data-key counts move
    /// exactly once.
    func providerKeyForUpdate(userID: UUID, providerType: String) async throws -> ProviderKeyRecord?

    /// Every provider key of a user, ordered by provider type.
    func providerKeys(userID: UUID) async throws -> [ProviderKeyRecord]

    /// Overwrites every column of an existing provider key except `id`, `userID` and `createdAt`.
    /// - Throws: ``StoreError/Code/notFound``, ``StoreError/Code/duplicateProvider``.
    func updateProviderKey(_ key: ProviderKeyRecord) async throws

    /// Deletes a provider key. Returns whether a row was deleted.
    func deleteProviderKey(id: UUID) async throws -> Bool
}
