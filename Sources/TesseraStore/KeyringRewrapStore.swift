import Foundation

/// What a keyring rewrap walks and swaps: provider data keys and sealed TOTP secrets.
///
/// One of the narrow protocols ``TesseraStore`` is composed of: a flow, and its in-memory fake, depends only on the
/// parts it uses. Every method is a single atomic unit against the database.
public protocol KeyringRewrapStore: Sendable {

    /// Up to `limit` provider keys selected by `filter` on their `encrypted_dek`, with ids above `afterID` (nil:
    /// from the start), in id order: a rewrap walks them page by page and can stop and resume anywhere.
    func providerDEKs(_ filter: ProviderDEKFilter, after afterID: UUID?, limit: Int) async throws
        -> [ProviderDEKReference]

    /// How many provider keys `filter` selects (e.g. how many still reference a master key version).
    func countProviderDEKs(_ filter: ProviderDEKFilter) async throws -> Int64

    /// Atomically replaces a provider key's `encrypted_dek` if it still holds `expected` (a compare-and-swap, so a
    /// key the user replaced meanwhile is left alone), and in the same transaction moves one data key from
    /// `fromVersion`'s count to `toVersion`'s. Touches no other column (`encrypted_api_key` stays byte for byte).
    ///
    /// The old version's count does not go below zero (keys written before counting began are still moved).
    /// - Returns: Whether the row was changed.
    func replaceProviderDEK(id: UUID, expected: [UInt8], replacement: [UInt8], fromVersion: Int, toVersion: Int)
        async throws -> Bool

    /// Up to `limit` users' sealed TOTP secrets selected by `filter` on their leading bytes (a sealed envelope
    /// starts with the same format byte and version as a wrapped key), users without one skipped, with user ids
    /// above `afterID` (nil: from the start), in id order.
    func sealedTOTPSecrets(_ filter: ProviderDEKFilter, after afterID: UUID?, limit: Int) async throws
        -> [SealedTOTPSecretReference]

    /// How many users' sealed TOTP secrets `filter` selects.
    func countSealedTOTPSecrets(_ filter: ProviderDEKFilter) async throws -> Int64

    /// Atomically replaces a user's `totp_secret` if it still holds `expected` (a compare-and-swap, so a secret the
    /// user re-enrolled meanwhile is left alone). Touches no other column.
    /// - Returns: Whether the row was changed.
    func replaceSealedTOTPSecret(userID: UUID, expected: [UInt8], replacement: [UInt8]) async throws -> Bool

    /// Applies a batch of compare-and-swaps to provider keys' `encrypted_dek` (rows that no longer hold `expected`
    /// are left alone), and moves one count from each changed row's `fromVersion` to `toVersion`, in one
    /// transaction. Touches no other column.
    /// - Returns: How many rows changed.
    func replaceProviderDEKs(_ swaps: [KeyringSwap], toVersion: Int) async throws -> Int

    /// Applies a batch of compare-and-swaps to users' `totp_secret` (not counted per version), in one transaction.
    /// - Returns: How many rows changed.
    func replaceSealedTOTPSecrets(_ swaps: [KeyringSwap]) async throws -> Int
}
