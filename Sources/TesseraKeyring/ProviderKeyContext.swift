import Foundation
import TesseraCrypto

/// The encryption context of a stored provider API key (`providers.user_providers`): the convention the server
/// uses to seal and open, and the keyring uses to re-wrap, so both must build it here.
///
/// The context is `{"provider_type": <provider type>, "user_id": <user id, lowercase UUID>}` — the row's unique key
/// `(user_id, provider_type)` — so a sealed key copied to another user's row or another provider does not open.
/// The row id is deliberately not part of it: replacing a user's key for a provider keeps the same context.
public enum ProviderKeyContext {
    /// Builds the context for a user's key of a provider type.
    ///
    /// - Parameters:
    ///   - userID: The owner.
    ///   - providerType: The provider type, exactly as stored.
    /// - Returns: The context.
    /// - Throws: `CryptoError(.invalidParameter)` when the provider type is empty or longer than 1024 bytes.
    public static func make(userID: UUID, providerType: String) throws -> EncryptionContext {
        try EncryptionContext(entries: [
            ("user_id", userID.uuidString.lowercased()),
            ("provider_type", providerType),
        ])
    }
}
